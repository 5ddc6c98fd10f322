package faults_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aidflow/aidflow/deploy/stack"
	auditdomain "github.com/aidflow/aidflow/services/audit/domain"
	"github.com/aidflow/aidflow/shared/auth"
	"github.com/aidflow/aidflow/shared/failpoint"
)

// proc is one child process: started from a command line and environment
// it keeps, so it can be killed and started again exactly as before.
type proc struct {
	t    *testing.T
	name string
	exe  string
	args []string
	env  []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	code int
	log  *tail
}

// tail keeps the last lines a process wrote, for failure messages.
type tail struct {
	mu    sync.Mutex
	lines []string
}

func (l *tail) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, s)
	if len(l.lines) > 60 {
		l.lines = l.lines[len(l.lines)-60:]
	}
}

func (l *tail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// start runs the process with extra environment on top of its own; when
// ready is set, it waits for a stdout line starting with it.
func (p *proc) start(extraEnv []string, ready string) string {
	p.t.Helper()
	cmd := exec.Command(p.exe, p.args...)
	cmd.Env = append(append(os.Environ(), p.env...), extraEnv...)
	cmd.SysProcAttr = dieWithTest()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.code = cmd, done, 0
	p.mu.Unlock()
	readyLine := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if ready != "" && strings.HasPrefix(line, ready) {
				select {
				case readyLine <- strings.TrimSpace(strings.TrimPrefix(line, ready)):
				default:
				}
			}
			p.log.add(line)
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.log.add(sc.Text())
		}
	}()
	go func() {
		wg.Wait()
		err := cmd.Wait()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		p.mu.Lock()
		p.code = code
		p.mu.Unlock()
		close(done)
	}()
	if ready == "" {
		return ""
	}
	select {
	case s := <-readyLine:
		return s
	case <-done:
		p.t.Fatalf("%s exited before it was ready:\n%s", p.name, p.log)
	case <-time.After(90 * time.Second):
		p.t.Fatalf("%s not ready after 90 s:\n%s", p.name, p.log)
	}
	return ""
}

// kill sends SIGKILL to the process by its PID and waits until it is gone.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	<-done
}

// stop sends SIGTERM and waits (then SIGKILL after 15 s).
func (p *proc) stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = syscall.Kill(cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		p.kill()
	}
}

// exited returns the exit code once the process has ended.
func (p *proc) exited() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return p.code, true
	default:
		return 0, false
	}
}

// waitFailpoint waits until the process stopped at a failpoint.
func (p *proc) waitFailpoint(d time.Duration) {
	p.t.Helper()
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
	case <-time.After(d):
		p.t.Fatalf("%s did not reach its failpoint within %s:\n%s", p.name, d, p.log)
	}
	if code, _ := p.exited(); code != failpoint.ExitCode {
		p.t.Fatalf("%s exited with %d, not the failpoint's %d:\n%s", p.name, code, failpoint.ExitCode, p.log)
	}
}

// cluster is Aidflow as separate processes: NATS, the database, each
// service, and a gateway in this process that proxies to the services by
// the same routing table as the local stack.
type cluster struct {
	t   *testing.T
	dir string
	// NATSAddr and DBAddr are where the servers listen; NATSURL and
	// MongoURI what services are given (a proxy's address when partitioned).
	NATSAddr, DBAddr  string
	NATSURL, MongoURI string
	nats, db          *proc
	svcs              map[string]*proc
	svcAddr           map[string]string
	Base              string
	Operator          string
	// AuditKey is the audit log's verifier key, which outside auditors
	// trust (not taken from the service).
	AuditKey string
}

type clusterOptions struct {
	// via, when set, returns the address services should dial instead of
	// the server's own ("nats" or "db"): a toxiproxy listener.
	via func(kind, upstream string) string
}

const operatorToken = "operator-token-for-the-fault-tests"

func newCluster(t *testing.T, o clusterOptions) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("the fault suite runs in make test, not make test-short")
	}
	c := &cluster{t: t, dir: t.TempDir(), svcs: map[string]*proc{}, svcAddr: map[string]string{}, Operator: operatorToken}
	c.NATSAddr, c.DBAddr = freeAddr(t), freeAddr(t)
	c.nats = &proc{t: t, name: "nats", exe: filepath.Join(binDir, "infra"), args: []string{"-kind", "nats", "-dir", filepath.Join(c.dir, "nats"), "-addr", c.NATSAddr}, log: &tail{}}
	c.db = &proc{t: t, name: "db", exe: filepath.Join(binDir, "infra"), args: []string{"-kind", "db", "-dir", filepath.Join(c.dir, "db"), "-addr", c.DBAddr}, log: &tail{}}
	t.Cleanup(c.stop)
	c.nats.start(nil, "ready ")
	c.db.start(nil, "ready ")
	natsTarget, dbTarget := c.NATSAddr, c.DBAddr
	if o.via != nil {
		natsTarget, dbTarget = o.via("nats", c.NATSAddr), o.via("db", c.DBAddr)
	}
	c.NATSURL, c.MongoURI = "nats://"+natsTarget, "mongodb://"+dbTarget+"/"

	pub, priv, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	_, auditKey, _ := auth.GenerateKey()
	auditSigner, err := auditdomain.NewSigner(auditdomain.Origin, auditKey)
	if err != nil {
		t.Fatal(err)
	}
	c.AuditKey = auditSigner.VerifierKey()
	env := []string{
		"NATS_URL=" + c.NATSURL, "MONGO_URI=" + c.MongoURI,
		"AIDFLOW_TOKEN_PUBLIC_KEY=" + auth.EncodePublicKey(pub),
		"AIDFLOW_TOKEN_SIGNING_KEY=" + auth.EncodePrivateKey(priv),
		"AIDFLOW_AUDIT_SIGNING_KEY=" + auth.EncodePrivateKey(auditKey),
		"AIDFLOW_OPERATOR_TOKEN=" + operatorToken,
		"AIDFLOW_LOG_LEVEL=warn",
		// A SIGKILLed matcher's lease ends after this, so its restart
		// takes over within seconds; longer than any partition here.
		"AIDFLOW_MATCHER_LEASE_TTL=10s",
		"AIDFLOW_MATCHER_INSTANCE=matcher-under-test",
		// A checkpoint every second while the log grows, so checkpoints
		// are signed and announced (and checked) during every fault.
		"AIDFLOW_CHECKPOINT_EVERY=1s",
		// notify may deliver the hospitals' webhooks to the test process.
		"AIDFLOW_WEBHOOK_ALLOW=127.0.0.1",
	}
	handlers := map[string]http.Handler{}
	ready := map[string]func(context.Context) error{}
	for _, name := range services {
		addr := freeAddr(t)
		c.svcAddr[name] = addr
		c.svcs[name] = &proc{t: t, name: name, exe: filepath.Join(binDir, name), env: append([]string{"AIDFLOW_HTTP_ADDR=" + addr}, env...), log: &tail{}}
		u := &url.URL{Scheme: "http", Host: addr}
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, name+" unreachable: "+err.Error(), http.StatusBadGateway)
		}
		handlers[name] = rp
		ready[name] = func(ctx context.Context) error { return probe(ctx, "http://"+addr+"/readyz") }
	}
	gw := httptest.NewServer(stack.NewGateway(handlers, ready))
	t.Cleanup(gw.Close)
	c.Base = gw.URL
	for _, name := range services {
		c.svcs[name].start(nil, "")
		c.waitReady(name)
	}
	return c
}

func probe(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%d %s", resp.StatusCode, body)
	}
	return nil
}

// ready reports whether a service answers /readyz with 200.
func (c *cluster) ready(name string) bool {
	return probe(context.Background(), "http://"+c.svcAddr[name]+"/readyz") == nil
}

// waitReady waits until the service answers /readyz, failing if it exits.
func (c *cluster) waitReady(name string) {
	c.t.Helper()
	p := c.svcs[name]
	deadline := time.Now().Add(60 * time.Second)
	for !c.ready(name) {
		if code, ok := p.exited(); ok {
			c.t.Fatalf("%s exited with %d before it was ready:\n%s", name, code, p.log)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("%s not ready after 60 s:\n%s", name, p.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restart starts a stopped service again on the same address and data.
func (c *cluster) restart(name string, extraEnv ...string) {
	c.t.Helper()
	c.svcs[name].start(extraEnv, "")
	if len(extraEnv) == 0 {
		c.waitReady(name)
	}
}

// killInfra SIGKILLs NATS or the database, waits pause, and starts it again
// on the same directory and address.
func (c *cluster) killInfra(p *proc, pause time.Duration) {
	c.t.Helper()
	p.kill()
	time.Sleep(pause) // the outage itself: what the services must ride out
	p.start(nil, "ready ")
}

// checkAlive fails when a service died on its own (not by the test).
func (c *cluster) checkAlive() {
	c.t.Helper()
	for _, name := range services {
		if code, ok := c.svcs[name].exited(); ok {
			c.t.Fatalf("%s exited by itself with %d:\n%s", name, code, c.svcs[name].log)
		}
	}
}

func (c *cluster) stop() {
	for i := len(services) - 1; i >= 0; i-- {
		if p := c.svcs[services[i]]; p != nil {
			p.stop()
		}
	}
	c.db.stop()
	c.nats.stop()
}

// handedOut are the ports freeAddr gave this test process.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freeAddr returns a loopback address free now and never returned before
// in this process, below the kernel's ephemeral range. The child binds it
// later, and in between nothing may take it: a port from :0 is in the
// ephemeral range, where the next outgoing connection (a service dialing
// NATS) or the next :0 bind may get it, and two children given one
// address meet only when the gateway's proxy for one reaches the other.
func freeAddr(t *testing.T) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 1000 {
		port := 10000 + rand.IntN(low-10000)
		if handedOut.ports[port] {
			continue
		}
		l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken by something else on this machine
		}
		_ = l.Close()
		handedOut.ports[port] = true
		return l.Addr().String()
	}
	t.Fatal("no free loopback port below the ephemeral range")
	return ""
}
