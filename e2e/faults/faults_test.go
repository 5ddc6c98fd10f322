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
	w := setUp(t, c, api)
	var l ledger
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
	w := setUp(t, c, api)
	var l ledger
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
	c := newCluster(t, clusterOptions{})
	api := newClient(t, c.Base)
	w := setUp(t, c, api)
	p := c.svcs[service]
	p.stop()
	c.restart(service, "AIDFLOW_FAILPOINTS="+spec)
	recovered := make(chan struct{})
	go func() {
		defer close(recovered)
		p.waitFailpoint(2 * time.Minute)
		t.Logf("%s stopped at %s; restarting it without", service, spec)
		c.restart(service)
	}()
	var l ledger
	drive(c, api, w, &l)
	<-recovered
	checkRecovered(t, c, api, w, &l)
}

// postSome is the small workload of the failpoint scenarios.
func postSome(prefix string) func(c *cluster, api *client, w world, l *ledger) {
	return func(c *cluster, api *client, w world, l *ledger) {
		postNeeds(c.t, api, w, l, prefix, 40, 4, 0, nil)
	}
}

// Each service that writes and publishes stops between its database write
// and its publish: right after the write (the request is not answered),
// and in the relay before the publish (the request was answered).
func TestServiceStoppedBetweenWriteAndPublish(t *testing.T) {
	for _, tc := range []struct{ service, spec string }{
		{"demand", "outbox.after_write=exit@5"},
		{"demand", "outbox.before_publish=exit@5"},
		{"matcher", "outbox.after_write=exit@5"},
		{"matcher", "outbox.before_publish=exit@5"},
	} {
		t.Run(tc.service+"/"+tc.spec, func(t *testing.T) {
			withFailpoint(t, tc.service, tc.spec, postSome(tc.service))
		})
	}
}

// Consumers stop after their handler's write and before the processed
// mark and the ack; the restarted consumer sees the event again.
func TestConsumerStoppedAfterSideEffectBeforeAck(t *testing.T) {
	for _, service := range []string{"matcher", "audit", "demand", "disclosure"} {
		t.Run(service, func(t *testing.T) {
			withFailpoint(t, service, "bus.after_handle=exit@20", postSome(service))
		})
	}
}
