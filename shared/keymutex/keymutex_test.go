package keymutex_test

import (
	"sync"
	"testing"

	"github.com/aidflow/aidflow/shared/keymutex"
)

func TestLockSerialisesPerKeyAndForgetsIdleKeys(t *testing.T) {
	var m keymutex.Map
	counts := map[string]int{}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			unlock := m.Lock(key)
			counts[key]++ // a data race here would fail under -race
			unlock()
		}()
	}
	wg.Wait()
	if counts["a"] != 100 || counts["b"] != 100 {
		t.Fatalf("counts = %v", counts)
	}
	unlock := m.Lock("a")
	unlock()
}
