package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Fixtures registers one account, logs in to it sessions more times and
// makes one generation, then prints what the wrk scripts of
// scripts/bench.sh need as shell variables.
func Fixtures(ctx context.Context, base string, sessions int, stdout io.Writer) error {
	f := newFixture(strings.TrimRight(base, "/"), 30*time.Second, 1, nil)
	if err := f.ensureAccounts(ctx, 1); err != nil {
		return err
	}
	a := f.accounts[0]
	refresh := make([]string, sessions)
	for i := range refresh {
		s, err := f.login(ctx, f.client, a)
		if err != nil {
			return err
		}
		refresh[i] = s.Refresh
	}
	var gen struct {
		ID string `json:"id"`
	}
	if err := call(ctx, f.client, http.MethodPost, f.url("/api/v1/generations"), a.token(),
		map[string]any{"model_id": benchModel, "prompt": "benchmark", "parameters": benchParams}, http.StatusCreated, &gen); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "EMAIL=%s\nPASSWORD=%s\nTOKEN=%s\nREFRESH_TOKENS=%s\nGENERATION_ID=%s\n",
		a.Email, a.Password, a.token(), strings.Join(refresh, ","), gen.ID)
	return err
}
