package store

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// A model's columns are read straight into its fields: both drivers hand back
// plain values (int64, string, time.Time, bool, []byte) and this file turns
// them into the field's type, smoothing over how each dialect stores times,
// dates, booleans and role lists.

type columnPlan struct {
	columns []string
	fields  [][]int // field index path per column
}

var plans sync.Map // reflect.Type -> *columnPlan

func planOf(t reflect.Type) *columnPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*columnPlan)
	}
	p := &columnPlan{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("bun")
		if tag == "" || strings.HasPrefix(tag, "table:") || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		p.columns = append(p.columns, name)
		p.fields = append(p.fields, f.Index)
	}
	plans.Store(t, p)
	return p
}

// Columns returns the column names of model type T, in the order ScanRows
// expects them first in a row.
func Columns[T any]() []string {
	var zero T
	return planOf(reflect.TypeOf(zero)).columns
}

// ScanRows reads all rows into new T values. Each row holds T's columns (in
// Columns order) followed by extra columns, which are returned per row as
// plain values.
func ScanRows[T any](rows *sql.Rows) (out []*T, extras [][]any, err error) {
	defer rows.Close()
	var zero T
	p := planOf(reflect.TypeOf(zero))
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	n := len(p.columns)
	if len(cols) < n {
		return nil, nil, fmt.Errorf("scan %T: %d columns, want at least %d", zero, len(cols), n)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, fmt.Errorf("scan %T: %w", zero, err)
		}
		item := new(T)
		v := reflect.ValueOf(item).Elem()
		for i := 0; i < n; i++ {
			if err := assign(v.FieldByIndex(p.fields[i]), vals[i]); err != nil {
				return nil, nil, fmt.Errorf("scan %T.%s: %w", zero, p.columns[i], err)
			}
		}
		out = append(out, item)
		if len(cols) > n {
			extra := make([]any, len(cols)-n)
			for i := range extra {
				extra[i] = normalize(vals[n+i])
			}
			extras = append(extras, extra)
		}
	}
	return out, extras, rows.Err()
}

// normalize turns driver bytes into strings so extra values compare and
// encode simply.
func normalize(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	dateType  = reflect.TypeOf(Date(""))
	rolesType = reflect.TypeOf([]string(nil))
)

// assign stores the driver value v into field f, converting as needed.
func assign(f reflect.Value, v any) error {
	if v == nil {
		f.Set(reflect.Zero(f.Type()))
		return nil
	}
	if f.Kind() == reflect.Pointer {
		target := reflect.New(f.Type().Elem())
		if err := assign(target.Elem(), v); err != nil {
			return err
		}
		f.Set(target)
		return nil
	}
	v = normalize(v)
	switch f.Type() {
	case timeType:
		t, err := ToTime(v)
		if err != nil {
			return err
		}
		f.Set(reflect.ValueOf(t))
		return nil
	case dateType:
		d, err := ToDate(v)
		if err != nil {
			return err
		}
		f.SetString(string(d))
		return nil
	case rolesType:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("roles: unexpected %T", v)
		}
		f.Set(reflect.ValueOf(SplitRoles(s)))
		return nil
	}
	switch f.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		switch n := v.(type) {
		case int64:
			f.SetInt(n)
		case float64:
			f.SetInt(int64(n))
		default:
			return fmt.Errorf("unexpected %T for an integer", v)
		}
	case reflect.Float64:
		switch n := v.(type) {
		case float64:
			f.SetFloat(n)
		case int64:
			f.SetFloat(float64(n))
		default:
			return fmt.Errorf("unexpected %T for a float", v)
		}
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("unexpected %T for text", v)
		}
		f.SetString(s)
	case reflect.Bool:
		switch b := v.(type) {
		case bool:
			f.SetBool(b)
		case int64:
			f.SetBool(b != 0)
		default:
			return fmt.Errorf("unexpected %T for a boolean", v)
		}
	default:
		return fmt.Errorf("unsupported field type %s", f.Type())
	}
	return nil
}

// ToTime converts a driver value (time.Time from PostgreSQL, text from
// SQLite) to a time.
func ToTime(v any) (time.Time, error) {
	switch t := normalize(v).(type) {
	case time.Time:
		return t, nil
	case string:
		if p, err := time.Parse(sqliteTimeFormat, t); err == nil {
			return p, nil
		}
		if p, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return p, nil
		}
		return time.Parse("2006-01-02 15:04:05.999999999-07:00", t)
	}
	return time.Time{}, fmt.Errorf("unexpected %T for a time", v)
}

// ToDate converts a driver value (time.Time from PostgreSQL, text from
// SQLite) to a date.
func ToDate(v any) (Date, error) {
	switch t := normalize(v).(type) {
	case time.Time:
		return Date(t.Format(time.DateOnly)), nil
	case string:
		if len(t) >= 10 {
			return Date(t[:10]), nil
		}
	}
	return "", fmt.Errorf("unexpected %v for a date", v)
}

// JoinRoles is how a role set is stored in people.roles: sorted, and wrapped
// in commas (",MENTOR,SECRETARY,") so each role is a whole-word match.
func JoinRoles(roles []string) string {
	if len(roles) == 0 {
		return ""
	}
	return "," + strings.Join(roles, ",") + ","
}

// SplitRoles reverses JoinRoles.
func SplitRoles(s string) []string {
	out := []string{}
	for _, r := range strings.Split(s, ",") {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}
