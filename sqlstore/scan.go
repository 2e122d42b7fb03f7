package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"
)

// at normalises a time argument: UTC at microsecond precision, the form
// stored timestamps have. SQLite compares timestamps as text, so a bound
// in another zone would compare wrongly.
func at(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// utc scans a timestamp into *t in UTC, whatever zone the driver used.
type utc struct{ t *time.Time }

func (d utc) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*d.t = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	return nil
}

func (d utc) parse(s string) error {
	t, err := time.Parse("2006-01-02 15:04:05.999999999-07:00", s)
	if err != nil {
		return err
	}
	*d.t = t.UTC()
	return nil
}

// nullUTC scans a nullable timestamp into **t.
type nullUTC struct{ t **time.Time }

func (d nullUTC) Scan(src any) error {
	if src == nil {
		*d.t = nil
		return nil
	}
	var t time.Time
	if err := (utc{&t}).Scan(src); err != nil {
		return err
	}
	*d.t = &t
	return nil
}

// jsonValue scans a JSON column (jsonb or TEXT) into the value v points to.
type jsonValue struct{ v any }

func (d jsonValue) Scan(src any) error {
	switch b := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(b), d.v)
	case []byte:
		return json.Unmarshal(b, d.v)
	default:
		return fmt.Errorf("sqlstore: cannot scan %T as JSON", src)
	}
}

// jsonText encodes v for a JSON column; both engines accept JSON text.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// withExtra reads further columns after a scanner's own: scan functions
// shared by several queries stay unaware of columns only one query reads.
func withExtra(row Row, extra ...any) Row { return extraRow{row, extra} }

type extraRow struct {
	row   Row
	extra []any
}

func (r extraRow) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra...)...) }
