package service

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aidflow/aidflow/contracts/catalog"
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/matcher/app"
	"github.com/aidflow/aidflow/services/matcher/domain"
	"github.com/aidflow/aidflow/shared/config"
	"github.com/aidflow/aidflow/shared/platform"
)

// partitionName is what a partition may be called: it appears in the
// lease key, the durable consumers' names and Kubernetes object names.
var partitionName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,29}$`)

// loadPartition reads AIDFLOW_MATCHER_PARTITION and AIDFLOW_MATCHER_ITEMS:
// by default the partition "all" of every catalog item; any other name
// needs its items, each a catalog code, at most once.
func loadPartition(l *config.Loader) domain.Partition {
	name := l.String("AIDFLOW_MATCHER_PARTITION", domain.AllItems)
	raw := l.String("AIDFLOW_MATCHER_ITEMS", "")
	p := domain.Partition{Name: name}
	if !partitionName.MatchString(name) {
		l.Check("AIDFLOW_MATCHER_PARTITION", false, "must be 1 to 30 characters a-z, 0-9 and -, starting with a letter (e.g. masks)")
		return p
	}
	if strings.TrimSpace(raw) == "" {
		l.Check("AIDFLOW_MATCHER_ITEMS", name == domain.AllItems,
			fmt.Sprintf("is required for partition %q: the catalog items it serves, comma-separated (e.g. n95-respirator,surgical-mask)", name))
		return p
	}
	if name == domain.AllItems {
		l.Check("AIDFLOW_MATCHER_ITEMS", false, `must be unset for partition "all", which serves every item; name the partition to serve some`)
		return p
	}
	for _, it := range strings.Split(raw, ",") {
		it = strings.TrimSpace(it)
		switch {
		case it == "":
			l.Check("AIDFLOW_MATCHER_ITEMS", false, "has an empty entry; list catalog items separated by single commas")
			return p
		case !catalog.Valid(it):
			l.Check("AIDFLOW_MATCHER_ITEMS", false, fmt.Sprintf("%q is not a catalog item (%s)", it, strings.Join(catalog.Codes(), ", ")))
			return p
		case slices.Contains(p.Items, it):
			l.Check("AIDFLOW_MATCHER_ITEMS", false, fmt.Sprintf("lists %q twice", it))
			return p
		}
		p.Items = append(p.Items, it)
	}
	slices.Sort(p.Items)
	return p
}

// keyToken makes s usable as one token of a key-value key or a subject.
func keyToken(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !keyChar(c) || c == '.' {
			b[i] = '_'
		}
	}
	return string(b)
}

// followView keeps the read view current with every partition's
// allocation events: an event newer than the view's copy has the
// allocation read by _id from the shared database (the events leave out
// the hospital's private receipt note, the store has it). It replays the
// matcher's stream from the start at each boot; the versions make that
// cheap, as Load already read every allocation.
func followView(ctx context.Context, p *platform.Platform, a *app.App) (caughtUp <-chan struct{}, err error) {
	f, err := p.Bus.Follow(ctx, Name, events.AllocationTypes, func(e events.Envelope) {
		var d events.Allocation
		if e.Decode(&d) != nil || a.View.AllocationVersion(d.AllocationID) >= d.Version {
			return
		}
		for try := 1; ; try++ {
			al, err := a.Repo.GetAllocation(ctx, d.AllocationID)
			if err == nil {
				a.View.PutAllocationIfNewer(al)
				return
			}
			if try == 5 || ctx.Err() != nil {
				p.Log.ErrorContext(ctx, "allocation not read into the read view; it shows its previous state until its next change or a restart",
					"allocation_id", d.AllocationID, "version", d.Version, "err", err)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(try) * 200 * time.Millisecond):
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return f.CaughtUp(), nil
}
