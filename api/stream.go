package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/velro-ai/velro"
	"github.com/velro-ai/velro/generate"
	"github.com/velro-ai/velro/perf"
)

// StreamEvent is the data of one server-sent event.
type StreamEvent struct {
	Status       velro.Status `json:"status"`
	GenerationID string       `json:"generation_id"`
	OutputURLs   []string     `json:"output_urls,omitempty"`
	ErrorMessage *string      `json:"error_message,omitempty"`
	UpdatedAt    time.Time    `json:"updated_at"`
	CompletedAt  *time.Time   `json:"completed_at,omitempty"`
}

// Timing of streams: a comment line keeps proxies from closing an idle
// stream; a look at the database every recheck covers status changes whose
// event was lost (a bus outage), without polling per event.
const (
	streamKeepAlive = 15 * time.Second
	streamRecheck   = 5 * time.Second
)

// handleStream streams a generation's status changes as server-sent
// events: the current status first, then one event per change, driven by
// status-change notifications; it ends after a terminal status, with a
// named "deleted" event when the generation is deleted, with a named
// "revoked" event as soon as the caller may no longer view it, and without
// one when the server shuts down.
func handleStream(gen *generate.Service, notifier *generate.Notifier, closing <-chan struct{}, track *perf.Tracker) func(context.Context, *IDPath) (*huma.StreamResponse, error) {
	return func(ctx context.Context, in *IDPath) (*huma.StreamResponse, error) {
		id, err := in.id()
		if err != nil {
			return nil, err
		}
		actor := principal(ctx).UserID
		changes, stop := notifier.Watch(id) // before the first read: no change slips between
		g, err := gen.Get(ctx, actor, id)
		if err != nil {
			stop()
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			defer stop()
			track.StreamOpened()
			defer track.StreamClosed()
			r, w := humago.Unwrap(hctx)
			rc := http.NewResponseController(w)
			rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
			hctx.SetHeader("Content-Type", "text/event-stream")
			hctx.SetHeader("Cache-Control", "no-cache")
			hctx.SetHeader("X-Accel-Buffering", "no")
			hctx.SetStatus(http.StatusOK)
			// write sends one event; status changes are unnamed, so a
			// browser EventSource's onmessage sees them.
			write := func(name string, v any) bool {
				data, _ := json.Marshal(v)
				if name != "" {
					fmt.Fprintf(w, "event: %s\n", name)
				}
				_, err := fmt.Fprintf(w, "data: %s\n\n", data)
				return err == nil && rc.Flush() == nil
			}
			send := func(g *velro.Generation) bool {
				return write("", StreamEvent{Status: g.Status, GenerationID: g.ID.String(), OutputURLs: g.OutputURLs,
					ErrorMessage: g.ErrorMessage, UpdatedAt: g.UpdatedAt, CompletedAt: g.CompletedAt})
			}
			last := g.Status
			if !send(g) || last.Terminal() {
				return
			}
			keepAlive, recheck := time.NewTicker(streamKeepAlive), time.NewTicker(streamRecheck)
			defer keepAlive.Stop()
			defer recheck.Stop()
			for {
				select {
				case <-r.Context().Done():
					return
				case <-closing: // shutting down: the client reconnects elsewhere
					return
				case <-keepAlive.C:
					if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
						return
					}
					continue
				case <-changes:
				case <-recheck.C:
				}
				cur, err := gen.Follow(r.Context(), actor, id)
				switch {
				case errors.Is(err, generate.ErrGone):
					// Not a status: a named event, then the end.
					write("deleted", map[string]string{"generation_id": id.String()})
					return
				case errors.Is(err, generate.ErrRevoked):
					write("revoked", map[string]string{"generation_id": id.String()})
					return
				case err != nil:
					continue // the database hiccuped: try at the next change or recheck
				}
				if cur.Status != last {
					last = cur.Status
					if !send(cur) || last.Terminal() {
						return
					}
				}
			}
		}}, nil
	}
}
