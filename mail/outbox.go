package mail

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// Outbox writes each message as an .eml file into a directory, for a
// server with no mail server configured: the log names every file, and any
// mail program opens it.
type Outbox struct {
	dir  string
	from string
	log  *slog.Logger
}

// NewOutbox writes into dir, creating it.
func NewOutbox(dir, from string, log *slog.Logger) (*Outbox, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	return &Outbox{dir: dir, from: from, log: log}, nil
}

// Send implements Sender. The file appears whole or not at all; names sort
// by time.
func (o *Outbox) Send(ctx context.Context, m *Message) error {
	msg, err := build(o.from, m)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(o.dir, ".writing-*")
	if err != nil {
		return err
	}
	if _, err := msg.WriteTo(f); err != nil {
		return errors.Join(err, f.Close(), os.Remove(f.Name()))
	}
	if err := f.Close(); err != nil {
		return errors.Join(err, os.Remove(f.Name()))
	}
	name := filepath.Join(o.dir, time.Now().UTC().Format("20060102T150405.000000000Z")+"-"+filepath.Base(f.Name())[len(".writing-"):]+".eml")
	if err := os.Rename(f.Name(), name); err != nil {
		return errors.Join(err, os.Remove(f.Name()))
	}
	o.log.InfoContext(ctx, "mail written to the outbox (no VELRO_SMTP_URL)", "file", name, "to", m.To, "subject", m.Subject)
	return nil
}
