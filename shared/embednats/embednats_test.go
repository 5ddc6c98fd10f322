package embednats_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/aidflow/aidflow/shared/embednats"
)

func TestStreamSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()

	srv := mustStart(t, embednats.Config{Dir: dir})
	js := mustJetStream(t, srv.URL())
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name:     "AIDFLOW_TEST",
		Subjects: []string{"aidflow.test.>"},
		Storage:  jetstream.FileStorage,
	})
	if err != nil {
		t.Fatalf("create stream: %v", err)
	}
	ack, err := js.Publish(ctx, "aidflow.test.happened.v1._", []byte("hello"))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	srv.Close()
	srv.Close() // idempotent

	srv = mustStart(t, embednats.Config{Dir: dir})
	js = mustJetStream(t, srv.URL())
	stream, err := js.Stream(ctx, "AIDFLOW_TEST")
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	msg, err := stream.GetMsg(ctx, ack.Sequence)
	if err != nil {
		t.Fatalf("get message after restart: %v", err)
	}
	if got := string(msg.Data); got != "hello" {
		t.Fatalf("message data = %q, want %q", got, "hello")
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(t *testing.T) embednats.Config
		wantErr string
	}{
		{
			name:    "missing dir",
			cfg:     func(*testing.T) embednats.Config { return embednats.Config{} },
			wantErr: "Dir is required",
		},
		{
			name: "port -1 is random",
			cfg: func(t *testing.T) embednats.Config {
				return embednats.Config{Dir: t.TempDir(), Port: -1}
			},
		},
		{
			name: "dir is created",
			cfg: func(t *testing.T) embednats.Config {
				return embednats.Config{Dir: t.TempDir() + "/nested/store"}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := embednats.Start(tt.cfg(t))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Start error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			defer srv.Close()
			if !strings.HasPrefix(srv.URL(), "nats://127.0.0.1:") || strings.HasSuffix(srv.URL(), ":-1") {
				t.Fatalf("URL = %q, want nats://127.0.0.1:<port>", srv.URL())
			}
			mustJetStream(t, srv.URL())
		})
	}
}

func TestLoggerReceivesServerLines(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	srv := mustStart(t, embednats.Config{Dir: t.TempDir(), Logger: logger})
	srv.Close()
	if !strings.Contains(buf.String(), "Server is ready") {
		t.Fatalf("log output lacks the ready line:\n%s", buf.String())
	}
}

func mustStart(t *testing.T, cfg embednats.Config) *embednats.Server {
	t.Helper()
	srv, err := embednats.Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func mustJetStream(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return js
}
