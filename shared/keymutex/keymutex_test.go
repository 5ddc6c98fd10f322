package keymutex_test

import (
	"sync"
	"testing"

	"github.com/aidflow/aidflow/shared/keymutex"
)

func TestLockSerialisesPerKeyAndForgetsIdleKeys(t *testing.T) {
	var m keymutex.Map
	// One counter per key: only the key's own lock guards it, so a missing
	// lock is a data race that -race reports.
	counts := map[string]*int{"a": new(int), "b": new(int)}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			unlock := m.Lock(key)
			*counts[key]++
			unlock()
		}()
	}
	wg.Wait()
	if *counts["a"] != 100 || *counts["b"] != 100 {
		t.Fatalf("counts = %d, %d", *counts["a"], *counts["b"])
	}
	unlock := m.Lock("a")
	unlock()
}
