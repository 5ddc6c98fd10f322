package e2e_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/testkit"
)

// TestEachServiceRunsAlone builds every service's own command, runs it as a
// process configured only by its environment (as in production), waits for
// /readyz, and stops it with SIGTERM.
func TestEachServiceRunsAlone(t *testing.T) {
	natsURL, mongoURI := testkit.NATS(t).URL(), testkit.Mongo(t).URI()
	pub, priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, auditKey, _ := auth.GenerateKey()
	bin := t.TempDir()
	for _, name := range []string{"registry", "demand", "supply", "donation", "matcher", "audit", "disclosure", "console", "notify"} {
		t.Run(name, func(t *testing.T) {
			exe := filepath.Join(bin, name)
			build := exec.Command("go", "build", "-o", exe, "./services/"+name+"/cmd/"+name)
			build.Dir = ".."
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build %s: %v\n%s", name, err, out)
			}
			addr := freeAddr(t)
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(),
				"NATS_URL="+natsURL, "MONGO_URI="+mongoURI, "AIDFLOW_HTTP_ADDR="+addr,
				"AIDFLOW_TOKEN_PUBLIC_KEY="+auth.EncodePublicKey(pub),
				"AIDFLOW_TOKEN_SIGNING_KEY="+auth.EncodePrivateKey(priv),
				"AIDFLOW_AUDIT_SIGNING_KEY="+auth.EncodePrivateKey(auditKey),
				"AIDFLOW_OPERATOR_TOKEN=operator-token-for-the-test",
				"AIDFLOW_LOG_LEVEL=error",
				// The console reaches only the API (here nothing answers
				// there: it must start and serve its sign-in page anyway).
				"AIDFLOW_CONSOLE_API_URL=http://"+freeAddr(t),
			)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			defer func() { _ = cmd.Process.Kill() }()

			eventually(t, name+" to answer /readyz", func() bool {
				select {
				case err := <-done:
					t.Fatalf("%s exited: %v\n%s", name, err, stderr.String())
				default:
				}
				resp, err := http.Get("http://" + addr + "/readyz")
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == 200
			})
			// Every API service documents itself; the console serves pages.
			doc := "/openapi.json"
			if name == "console" {
				doc = "/console/sign-in"
			}
			resp, err := http.Get("http://" + addr + doc)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %v %v", doc, resp, err)
			}
			resp.Body.Close()

			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("%s did not exit cleanly on SIGTERM: %v\n%s", name, err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s still running 10 s after SIGTERM", name)
			}
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
