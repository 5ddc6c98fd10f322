package faults_test

import (
	"testing"
	"time"
)

// outage is how long NATS or the database stays down after its SIGKILL.
const outage = 2 * time.Second

// NATS is SIGKILLed while eight clients post 1,000 needs, and restarted on
// the same store.
func TestNATSKilledDuringPostings(t *testing.T) {
	t0 := time.Now()
	c := newCluster(t, clusterOptions{})
	t.Logf("cluster up in %s", time.Since(t0))
	api := newClient(t, c.Base)
	var l ledger
	w := setUp(t, c, api, &l)
	start := time.Now()
	postNeeds(t, api, w, &l, "nats-kill", 1000, 8, 300, func() { c.killInfra(c.nats, outage) })
	t.Logf("posted in %s", time.Since(start))
	checkRecovered(t, c, api, w, &l)
}

// The database is SIGKILLed while eight clients post 1,000 needs, and
// restarted on the same files.
func TestDatabaseKilledDuringPostings(t *testing.T) {
	t0 := time.Now()
	c := newCluster(t, clusterOptions{})
	t.Logf("cluster up in %s", time.Since(t0))
	api := newClient(t, c.Base)
	var l ledger
	w := setUp(t, c, api, &l)
	start := time.Now()
	postNeeds(t, api, w, &l, "db-kill", 1000, 8, 300, func() { c.killInfra(c.db, outage) })
	t.Logf("posted in %s", time.Since(start))
	checkRecovered(t, c, api, w, &l)
}

// withFailpoint restarts service with failpoint armed, runs drive (which
// must make the service pass the failpoint), waits for the exit the
// failpoint causes, restarts the service without it, and runs the
// after-recovery check. Clients keep retrying through the outage.
func withFailpoint(t *testing.T, service, spec string, drive func(c *cluster, api *client, w world, l *ledger)) {
	start := time.Now()
	c := newCluster(t, clusterOptions{})
	api := newClient(t, c.Base)
	var l ledger
	w := setUp(t, c, api, &l)
	p := c.svcs[service]
	p.stop()
	c.restart(service, "AIDFLOW_FAILPOINTS="+spec)
	up := time.Since(start)
	recovered := make(chan struct{})
	go func() {
		defer close(recovered)
		p.waitFailpoint(2 * time.Minute)
		t.Logf("%s stopped at %s after %s; restarting it without", service, spec, time.Since(start).Round(100*time.Millisecond))
		c.restart(service)
	}()
	drive(c, api, w, &l)
	driven := time.Since(start)
	<-recovered
	t.Logf("cluster up and set up in %s, workload done at %s, %s back at %s",
		up.Round(100*time.Millisecond), driven.Round(100*time.Millisecond), service, time.Since(start).Round(100*time.Millisecond))
	checkRecovered(t, c, api, w, &l)
}

// Each service that writes and publishes stops between its database write
// and its publish: right after the write (the request is not answered),
// and in the relay before the publish (the request was answered). Every
// scenario runs the mixed workload, so each service's writes are there to
// be stopped at: demand's needs, the matcher's allocations, supply's
// capacity reports, donation's pledges, the registry's organizations and
// tokens, and the audit log's checkpoints (signed every second while the
// log grows, and on each read of the public checkpoint).
func TestServiceStoppedBetweenWriteAndPublish(t *testing.T) {
	for _, tc := range []struct{ service, spec string }{
		{"demand", "outbox.after_write=exit@5"},
		{"demand", "outbox.before_publish=exit@5"},
		{"matcher", "outbox.after_write=exit@5"},
		{"matcher", "outbox.before_publish=exit@5"},
		{"supply", "outbox.after_write=exit@5"},
		{"supply", "outbox.before_publish=exit@5"},
		{"donation", "outbox.after_write=exit@5"},
		{"donation", "outbox.before_publish=exit@5"},
		{"registry", "outbox.after_write=exit@5"},
		{"registry", "outbox.before_publish=exit@5"},
		{"audit", "outbox.after_write=exit@5"},
		{"audit", "outbox.before_publish=exit@5"},
	} {
		t.Run(tc.service+"/"+tc.spec, func(t *testing.T) {
			withFailpoint(t, tc.service, tc.spec, mixed(tc.service))
		})
	}
}

// Consumers stop after their handler's write and before the processed
// mark and the ack; the restarted consumer sees the event again. The
// registry consumes nothing.
func TestConsumerStoppedAfterSideEffectBeforeAck(t *testing.T) {
	for _, service := range []string{"matcher", "audit", "demand", "disclosure", "supply", "donation", "notify"} {
		t.Run(service, func(t *testing.T) {
			withFailpoint(t, service, "bus.after_handle=exit@20", mixed(service))
		})
	}
}
