package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/velro-ai/velro/internal/mailsink"
)

// verify verifies an account's address through its mailed link, as its
// owner would.
func verify(t testing.TB, c *client, sink *mailsink.Sink, a account) {
	t.Helper()
	c.with(a.Access).do("POST", "/api/v1/auth/verify/send", nil).want(t, 202)
	c.do("POST", "/api/v1/auth/verify", map[string]any{"token": linkToken(t.(*testing.T), sink.Next(t, a.Email, mailTimeout), "/verify-email?token=")}).want(t, 200)
}

// TestSecretsNotInLogs: an invitation's token travels in paths
// (/api/v1/invitations/<token>/accept) and a signed media URL in a query;
// neither reaches the access log or the metrics, where whoever reads them
// could register the invited address and accept, or fetch the media.
func TestSecretsNotInLogs(t *testing.T) {
	sink, e := withMail(t, env{"VELRO_LOG_LEVEL": "info"})
	s := startServer(t, e)
	c := s.client(t)
	owner, ann, bob := register(t, c, "owner@example.com"), register(t, c, "ann@example.com"), register(t, c, "bob@example.com")
	verify(t, c, sink, owner)
	o := c.with(owner.Access)
	team := o.do("POST", "/api/v1/teams", map[string]any{"name": "Studio"}).want(t, 201).Str(t, "id")
	o.do("POST", "/api/v1/teams/"+team+"/invitations", map[string]any{"email": ann.Email, "role": "viewer"}).want(t, 201)
	o.do("POST", "/api/v1/teams/"+team+"/invitations", map[string]any{"email": bob.Email, "role": "viewer"}).want(t, 201)
	annToken := linkToken(t, sink.Next(t, ann.Email, mailTimeout), "/invitations/")
	bobToken := linkToken(t, sink.Next(t, bob.Email, mailTimeout), "/invitations/")
	c.do("GET", "/api/v1/invitations/"+annToken, nil).want(t, 200)
	c.with(ann.Access).do("POST", "/api/v1/invitations/"+annToken+"/accept", nil).want(t, 200)
	c.with(bob.Access).do("POST", "/api/v1/invitations/"+bobToken+"/decline", nil).want(t, 200)
	c.do("GET", "/invitations/"+bobToken, nil) // the web app's page, wherever it is served

	id := submit(t, o, map[string]any{"model_id": "local/image", "prompt": "a fox"})["id"].(string)
	waitStatus(t, o, id, "completed")
	signed, err := url.Parse(o.do("GET", "/api/v1/generations/"+id+"/media-urls", nil).want(t, 200).Str(t, "primary_url"))
	if err != nil {
		t.Fatal(err)
	}
	c.do("GET", signed.RequestURI(), nil).want(t, 200)
	metrics := string(c.do("GET", "/metrics", nil).want(t, 200).Body)

	logs := s.stderr.String()
	if !strings.Contains(logs, `"path":"/api/v1/invitations/[redacted]/accept"`) {
		t.Fatalf("no redacted accept in the access log:\n%s", logs)
	}
	for name, secret := range map[string]string{"an invitation token": annToken, "another": bobToken, "a media signature": signed.Query().Get("sig")} {
		if strings.Contains(logs, secret) {
			t.Errorf("%s is in the log", name)
		}
		if strings.Contains(metrics, secret) {
			t.Errorf("%s is in the metrics", name)
		}
	}
}
