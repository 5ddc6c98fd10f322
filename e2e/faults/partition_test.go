package faults_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// proxies is an embedded toxiproxy server with one proxy per upstream
// kind ("nats", "db"), between every service and that server.
type proxies struct {
	t      *testing.T
	server *toxiproxy.ApiServer
	byKind map[string]*toxiproxy.Proxy
}

// newProxies must be called before newCluster: the proxies stop after the
// cluster (cleanups run last first). Stopped before it, they would leave
// every service to shut down cut off from NATS and the database, waiting
// out its timeouts (13 s each, 100 s a test).
func newProxies(t *testing.T) *proxies {
	p := &proxies{t: t, server: toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop()), byKind: map[string]*toxiproxy.Proxy{}}
	t.Cleanup(func() {
		for _, px := range p.byKind {
			px.Stop()
		}
	})
	return p
}

// via is clusterOptions.via: it starts a proxy to upstream and returns
// the address services dial instead.
func (p *proxies) via(kind, upstream string) string {
	listen := freeAddr(p.t)
	px := toxiproxy.NewProxy(p.server, kind, listen, upstream)
	if err := p.server.Collection.Add(px, true); err != nil {
		p.t.Fatalf("proxy %s: %v", kind, err)
	}
	p.byKind[kind] = px
	return listen
}

// add puts a toxic (toxiproxy's JSON) on both directions of every proxy.
func (p *proxies) add(typ, attributes string) {
	p.t.Helper()
	for kind, px := range p.byKind {
		for _, stream := range []string{"upstream", "downstream"} {
			js := fmt.Sprintf(`{"name":%q,"type":%q,"stream":%q,"attributes":%s}`, typ+"_"+stream, typ, stream, attributes)
			if _, err := px.Toxics.AddToxicJson(strings.NewReader(js)); err != nil {
				p.t.Fatalf("toxic %s on %s: %v", typ, kind, err)
			}
		}
	}
}

// heal removes every toxic.
func (p *proxies) heal() {
	for _, px := range p.byKind {
		px.Toxics.ResetToxics(context.Background())
	}
}

// Partitions between every service and NATS and the database, through
// toxiproxy: latency, a blackhole, and connections reset. While the client
// posts, the toxic holds for a few seconds, then the network heals; the
// services must recover by themselves (no restart) and the same check as
// after a crash must pass.
func TestPartitions(t *testing.T) {
	for _, tc := range []struct {
		name, typ, attributes string
		// notReady: readiness must go false while the toxic holds.
		notReady bool
	}{
		{name: "latency 200 ms", typ: "latency", attributes: `{"latency":200,"jitter":50}`},
		{name: "blackhole", typ: "timeout", attributes: `{"timeout":0}`, notReady: true},
		{name: "reset_peer", typ: "reset_peer", attributes: `{"timeout":0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			px := newProxies(t)
			c := newCluster(t, clusterOptions{via: px.via})
			api := newClient(t, c.Base)
			var l ledger
			w := setUp(t, c, api, &l)
			var wentUnready atomic.Bool
			postNeeds(t, api, w, &l, "partition", 60, 4, 10, func() {
				px.add(tc.typ, tc.attributes)
				deadline := time.Now().Add(4 * time.Second)
				for time.Now().Before(deadline) {
					if !c.ready("demand") {
						wentUnready.Store(true)
					}
					time.Sleep(200 * time.Millisecond) // the partition's length, sampled
				}
				px.heal()
			})
			if tc.notReady && !wentUnready.Load() {
				t.Errorf("demand stayed ready while cut off from NATS and the database")
			}
			// Every service recovers without a restart.
			for _, name := range services {
				c.waitReady(name)
			}
			checkRecovered(t, c, api, w, &l)
		})
	}
}
