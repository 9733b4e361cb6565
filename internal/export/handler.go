// Package export streams a part of the store over HTTP, in the import
// format: GET /export/{Type}.ndjson or /export/{Type}.csv, with the
// query parameters where (the JSON of a GraphQL <Type>Where input),
// orderBy (of [<Type>Order!]) and limit. Rows are what the principal may
// see of what where selects, read from one SQL cursor and written as they
// come, so memory stays constant however many rows there are; personal data
// is masked or logged as GraphQL does it; the NDJSON lines are those
// `civicgraph export` writes, so an export imports back. An export writes
// the live data: archived rows are left out (query.Condition and
// ingest.ExportSelected both keep live rows only), as GraphQL leaves them
// out of every read.
package export

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/civicgraph/civicgraph/internal/apperr"
	"github.com/civicgraph/civicgraph/internal/auth"
	"github.com/civicgraph/civicgraph/internal/ingest"
	"github.com/civicgraph/civicgraph/internal/query"
	"github.com/civicgraph/civicgraph/internal/store"
)

// Prefix is the path the handler serves under.
const Prefix = "/export/"

// Handler serves exports of db. It reads the principal with auth.From, so
// it runs behind authentication; a request without one is an in-process
// caller that sees everything. now stamps the access log; nil is the
// system clock.
func Handler(db *store.DB, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return &handler{db: db, now: now}
}

type handler struct {
	db  *store.DB
	now func() time.Time
}

// request is a parsed export request.
type request struct {
	typeName string
	format   format
	sel      ingest.Selection
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, apperr.Invalid("an export is read with GET"))
		return
	}
	req, err := h.parse(r)
	if err != nil {
		refuse(r.Context(), w, err)
		return
	}
	w.Header().Set("Content-Type", req.format.contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+req.typeName+"."+req.format.ext+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	h.stream(r.Context(), w, req)
}

// parse reads the type and format from the path and the selection from
// the query parameters, with what the principal may see ANDed in.
func (h *handler) parse(r *http.Request) (*request, error) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	typeName, ext, _ := strings.Cut(name, ".")
	f, ok := formats[ext]
	e := store.Catalog[typeName]
	if !ok || e == nil || !ingest.HasType(typeName) {
		return nil, apperr.New(apperr.NotFound, "no export at %s: want %s{Type}.ndjson or .csv with Type one of %s",
			r.URL.Path, Prefix, strings.Join(ingest.Types(), ", "))
	}
	params := r.URL.Query()
	who := auth.From(r.Context())
	where, err := parseWhere(e, params.Get("where"))
	if err != nil {
		return nil, err
	}
	cond, args, err := query.Condition(who, h.db.Dialect(), e, "t", where)
	if err != nil {
		return nil, err
	}
	order, err := parseOrder(who, e, params.Get("orderBy"))
	if err != nil {
		return nil, err
	}
	limit := 0
	if s := params.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 0 {
			return nil, apperr.Invalid("limit must be a non-negative integer (0: no limit), not %q", s)
		}
	}
	return &request{typeName: typeName, format: f, sel: ingest.Selection{
		Type: typeName, Where: cond, Args: args, OrderBy: order, Limit: limit,
	}}, nil
}

// refuse answers a request that could not start: its error as the client
// may see it, with the status its code maps to.
func refuse(ctx context.Context, w http.ResponseWriter, err error) {
	code := apperr.CodeOf(err)
	if code == apperr.Internal {
		slog.ErrorContext(ctx, "export", "err", err.Error())
	}
	writeError(w, statusOf[code], err)
}

// statusOf maps error codes to HTTP statuses; INTERNAL (the zero) is 500.
var statusOf = map[apperr.Code]int{
	apperr.BadUserInput:    http.StatusBadRequest,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.TooComplex:      http.StatusUnprocessableEntity,
	apperr.RateLimited:     http.StatusTooManyRequests,
	apperr.Conflict:        http.StatusConflict,
	apperr.Internal:        http.StatusInternalServerError,
}
