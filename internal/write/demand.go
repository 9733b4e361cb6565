package write

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/store"
)

// A demand moves OPEN → ASSIGNED → IN_PROGRESS → RESOLVED → CLOSED; a
// resolved or closed demand found wanting is REOPENED and goes back to a
// unit. Each step is a row of demand_transitions (when, by whom, to which
// unit, with a note), an audit entry and a change in the feed, and the
// demand's own fields follow: assignedTo on ASSIGNED, respondedAt the first
// time it is IN_PROGRESS, resolvedAt on RESOLVED (cleared on REOPENED).
// The demand is rewritten through the import, so roll-ups and validation
// are the import's.

// next lists the statuses each status may move to.
var next = map[string][]string{
	"OPEN":        {"ASSIGNED"},
	"ASSIGNED":    {"ASSIGNED", "IN_PROGRESS"},
	"IN_PROGRESS": {"RESOLVED"},
	"RESOLVED":    {"CLOSED", "REOPENED"},
	"CLOSED":      {"REOPENED"},
	"REOPENED":    {"ASSIGNED", "IN_PROGRESS"},
}

// partnerSteps are the steps the unit a demand is assigned to may take.
var partnerSteps = []string{"IN_PROGRESS", "RESOLVED"}

// Transition is one step asked of the workflow.
type Transition struct {
	Code         string // the demand's code
	To           string // the status it moves to
	Organization string // ASSIGNED: the unit's organization code
	Note         string
}

// TransitionDemand moves a demand along its workflow and returns its id.
// A step the workflow does not allow from the demand's status is a
// CONFLICT naming the steps it allows.
func (s *Service) TransitionDemand(ctx context.Context, tr Transition) (int64, error) {
	who := whoOf(ctx)
	if who != nil && !who.Unrestricted() && !who.CanWrite() {
		return 0, apperr.New(apperr.Forbidden, "%s principals do not write", who.Role)
	}
	if _, ok := next[tr.To]; !ok {
		return 0, &apperr.Problem{Path: []any{"to"}, Message: fmt.Sprintf("unknown status %q", tr.To)}
	}
	for _, arg := range [][2]string{{"code", tr.Code}, {"organization", tr.Organization}, {"note", tr.Note}} {
		if err := checkArg(arg[0], arg[1]); err != nil {
			return 0, err
		}
	}
	var id int64
	err := s.run(ctx, func(t *txn) error {
		d, err := t.lockDemand(tr.Code)
		if err != nil {
			return err
		}
		id = d.id
		if err := t.mayStep(d, tr); err != nil {
			return err
		}
		if err := allowed(tr.Code, d.status, tr.To); err != nil {
			return err
		}
		line, before, err := t.merge("Demand", d.id, tr.Code, nil)
		if err != nil {
			return err
		}
		switch tr.To {
		case "ASSIGNED":
			if tr.Organization == "" {
				return &apperr.Problem{Path: []any{"organization"}, Message: "assigning a demand needs the organization code of the unit"}
			}
			oid, err := t.idsOf("Organization", []string{tr.Organization})
			if err != nil {
				return err
			}
			if oid[0] == 0 {
				return &apperr.Problem{Path: []any{"organization"}, Message: fmt.Sprintf("unknown organization %q", tr.Organization)}
			}
			line["assignedTo"] = tr.Organization
		case "IN_PROGRESS":
			if d.assignedTo == 0 {
				return apperr.New(apperr.Conflict, "demand %q is assigned to no unit: assign it first", tr.Code)
			}
		}
		t.stamp(line, tr.To, nil)
		if _, err := ingest.Write(t.ctx, t.q, []map[string]any{line}, &t.changed); err != nil {
			return stepProblem(err)
		}
		refs, err := t.liveRefs("Demand", []int64{d.id})
		if err != nil {
			return err
		}
		if len(refs) > 0 {
			return stepProblem(refProblem([]any{"input"}, refs[0]))
		}
		if err := t.recordStep(d.id, d.status, tr.To, tr.Note); err != nil {
			return err
		}
		after, err := t.snapshot("Demand", d.id)
		if err != nil {
			return err
		}
		t.note(opTransition, "Demand", d.id, tr.Code, before, after[d.id])
		return nil
	})
	return id, err
}

// allowed says whether the workflow takes a demand from one status to
// another: a CONFLICT naming the steps it allows when not.
func allowed(code, from, to string) error {
	if slices.Contains(next[from], to) {
		return nil
	}
	return apperr.New(apperr.Conflict, "demand %q is %s: it can move to %s, not %s",
		code, from, strings.Join(next[from], " or "), to)
}

// stamp lays a step to status to on a demand's line: the status, and the
// times the step sets — respondedAt the first time it is IN_PROGRESS,
// resolvedAt on RESOLVED, cleared on REOPENED — unless given names the
// field (an update or upsert that sets it itself).
func (t *txn) stamp(line map[string]any, to string, given map[string]any) {
	at := t.at.Format(time.RFC3339Nano)
	set := func(k string, v any) {
		if _, ok := given[k]; ok {
			return
		}
		if v == nil {
			delete(line, k)
		} else {
			line[k] = v
		}
	}
	switch to {
	case "IN_PROGRESS":
		if _, ok := line["respondedAt"]; !ok {
			set("respondedAt", at)
		}
	case "RESOLVED":
		set("resolvedAt", at)
	case "REOPENED":
		set("resolvedAt", nil)
	}
	line["status"] = to
}

// recordStep writes a demand's step in its history: when, by whom, and
// for ASSIGNED the unit the demand (as now written) is assigned to.
func (t *txn) recordStep(id int64, from, to, note string) error {
	subject, actor := systemSubject, ""
	if t.who != nil {
		subject, actor = t.who.Subject, t.who.Name
	}
	org := "NULL"
	if to == "ASSIGNED" {
		org = "(SELECT assigned_to_id FROM demands WHERE id = ?)"
	}
	args := []any{id, from, to, t.at, subject, actor}
	if to == "ASSIGNED" {
		args = append(args, id)
	}
	args = append(args, note)
	if err := t.exec(`INSERT INTO demand_transitions (demand_id, from_status, to_status, at, subject, actor, organization_id, note)
VALUES (?, ?, ?, ?, ?, ?, `+org+`, ?)`, args...); err != nil {
		return fmt.Errorf("record the transition: %w", err)
	}
	return nil
}

// statusStep is a status change an update or upsert of a stored demand
// makes: the workflow holds for it as for the workflow's own mutations
// (an invalid step is a CONFLICT, a valid one is stamped and recorded), so
// that every change of status has its time and actor. A new demand (a
// create, or an import) starts in the status it is given.
func (t *txn) statusStep(code, before string, line, given map[string]any) (from, to string, err error) {
	if before == "" {
		return "", "", nil
	}
	var stored struct{ Status string }
	if err := json.Unmarshal([]byte(before), &stored); err != nil {
		return "", "", fmt.Errorf("read demand %q: %w", code, err)
	}
	to, ok := textOf(line["status"])
	if !ok || to == stored.Status {
		return "", "", nil // unchanged, or not a status: the import says why
	}
	if _, known := next[to]; !known {
		return "", "", nil
	}
	if err := allowed(code, stored.Status, to); err != nil {
		return "", "", err
	}
	if to == "ASSIGNED" || to == "IN_PROGRESS" {
		if unit, ok := textOf(line["assignedTo"]); !ok || unit == "" {
			return "", "", &apperr.Problem{Path: []any{"input", "assignedTo"}, Message: fmt.Sprintf("a demand %s needs the unit it is assigned to", to)}
		}
	}
	t.stamp(line, to, given)
	return stored.Status, to, nil
}

// textOf reads a string input value, as a Go string or the pointer a
// GraphQL input map holds.
func textOf(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case *string:
		if s != nil {
			return *s, true
		}
	case fmt.Stringer:
		return s.String(), true
	}
	return "", false
}

// demandState is what a transition needs to know of a demand.
type demandState struct {
	id         int64
	status     string
	assignedTo int64
}

// lockDemand reads the live demand with code, locking its row on
// PostgreSQL so that two steps on one demand take turns.
func (t *txn) lockDemand(code string) (demandState, error) {
	cur, found, err := t.find("Demand", code)
	if err != nil {
		return demandState{}, err
	}
	if !found {
		return demandState{}, apperr.New(apperr.NotFound, "no Demand has code %q", code)
	}
	if !cur.visible {
		if t.who.Role == auth.Partner {
			return demandState{}, apperr.New(apperr.Forbidden, "demand %q is not assigned to your organization", code)
		}
		return demandState{}, t.outOfScope("Demand", code)
	}
	lock := ""
	if t.q.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
	}
	// Read (again) once locked: another step or an archive may have
	// committed since find.
	rows, err := t.q.Query(t.ctx, "SELECT status, COALESCE(assigned_to_id, 0), CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END FROM demands WHERE id = ?"+lock, cur.id)
	if err != nil {
		return demandState{}, fmt.Errorf("lock demand: %w", err)
	}
	defer rows.Close()
	d := demandState{id: cur.id}
	var archived int
	if rows.Next() {
		err = rows.Scan(&d.status, &d.assignedTo, &archived)
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return demandState{}, fmt.Errorf("lock demand: %w", err)
	}
	if archived != 0 {
		return demandState{}, apperr.New(apperr.Conflict, "demand %q is archived: restore it first", code)
	}
	return d, nil
}

// mayStep says whether the principal may take this step on the demand: a
// partner only the unit's own steps on demands assigned to it (and never
// assigns, closes or reopens); operators within their scope (find checked
// it); ADMIN anything.
func (t *txn) mayStep(d demandState, tr Transition) error {
	if t.who == nil || t.who.Unrestricted() || t.who.Role != auth.Partner {
		return nil
	}
	if d.assignedTo != t.who.Scope.ID || t.who.Scope.ID == 0 {
		return apperr.New(apperr.Forbidden, "demand %q is not assigned to your organization", tr.Code)
	}
	if !slices.Contains(partnerSteps, tr.To) {
		return apperr.New(apperr.Forbidden, "the assigned unit may move a demand to %s, not %s", strings.Join(partnerSteps, " or "), tr.To)
	}
	return nil
}

// stepProblem is an import error of the demand a step rewrites, as the
// step's own: the unit it names (organization) is the one argument that
// can be wrong; anything else about the stored demand is a CONFLICT.
func stepProblem(err error) error {
	err = problems(err, false)
	var ps apperr.Problems
	var p *apperr.Problem
	switch {
	case errors.As(err, &ps):
		p = ps[0]
	case errors.As(err, &p):
	default:
		return err
	}
	if len(p.Path) == 2 && p.Path[1] == "assignedTo" {
		return &apperr.Problem{Path: []any{"organization"}, Message: p.Message}
	}
	return apperr.New(apperr.Conflict, "the demand cannot take this step as stored: %s", p.Message)
}
