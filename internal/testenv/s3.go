package testenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/velro-ai/velro/media"
)

// S3Env is the environment FakeS3's URL needs: the fake takes any
// credentials, but Velro insists on having some.
var S3Env = map[string]string{"AWS_ACCESS_KEY_ID": "velro-test", "AWS_SECRET_ACCESS_KEY": "velro-test-secret"}

// FakeS3 starts an in-memory S3 server (gofakes3) in the process with an
// empty bucket, stops it when the test ends, and returns its
// VELRO_MEDIA_URL (to be used with S3Env). wrap, if given, wraps the
// server's handler (to watch or fault requests).
func FakeS3(t testing.TB, wrap ...func(http.Handler) http.Handler) string {
	t.Helper()
	backend := s3mem.New()
	const bucket = "velro-test"
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	h := gofakes3.New(backend).Server()
	for _, w := range wrap {
		h = w(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return "s3://" + bucket + "/media?endpoint=" + url.QueryEscape(srv.URL) + "&region=us-east-1&path_style=true"
}

// RealS3URL returns VELRO_TEST_S3_URL (a real S3-compatible store; its
// credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) with a fresh
// key prefix, emptied when the test ends. Unlike the other services it is
// never required: without it the test is skipped.
func RealS3URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("VELRO_TEST_S3_URL")
	if base == "" {
		t.Skip("VELRO_TEST_S3_URL is not set; skipping the real S3 store (the in-process fake still runs)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("VELRO_TEST_S3_URL: %v", err)
	}
	run := "velro-test-" + uuid.NewString()
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + run
	t.Cleanup(func() {
		cfg, err := media.ParseS3URL(base, os.Getenv)
		if err != nil {
			t.Errorf("VELRO_TEST_S3_URL: %v", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		store, err := media.OpenS3(ctx, cfg)
		if err == nil {
			err = store.DeletePrefix(ctx, run)
		}
		if err != nil {
			t.Errorf("empty the test prefix %s: %v", run, err)
		}
	})
	return u.String()
}
