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
