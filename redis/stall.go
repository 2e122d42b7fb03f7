package redis

import (
	"context"
	"errors"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// A Redis that stalls (connection open, nothing flows) never errors: every
// call waits out its whole timeout. Once a call has timed out, or the
// bus's ping went unanswered, calls fail at once until the bus hears Redis
// again, or stallPause has passed and a call tries again.
const stallPause = time.Second

// errStalled is the error of a call refused because Redis is stalling.
var errStalled = errors.New("redis: not answering (stalled)")

// stalled notes that Redis does not answer.
func (c *Client) stalled() { c.stalledUntil.Store(time.Now().Add(stallPause).UnixNano()) }

// answered notes that Redis answers again.
func (c *Client) answered() { c.stalledUntil.Store(0) }

// observe notes a stall when err is a timeout.
func (c *Client) observe(err error) {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() {
		c.stalled()
	}
}

func (c *Client) admit() error {
	if until := c.stalledUntil.Load(); until != 0 && time.Now().UnixNano() < until { // no clock read while healthy
		return errStalled
	}
	return nil
}

// stallHook applies the above to every command and pipeline (not to the
// bus's subscription, which is how Redis is heard again).
type stallHook struct{ c *Client }

func (h stallHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h stallHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if err := h.c.admit(); err != nil {
			cmd.SetErr(err)
			return err
		}
		err := next(ctx, cmd)
		h.c.observe(err)
		return err
	}
}

func (h stallHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		if err := h.c.admit(); err != nil {
			for _, cmd := range cmds {
				cmd.SetErr(err)
			}
			return err
		}
		err := next(ctx, cmds)
		h.c.observe(err)
		return err
	}
}
