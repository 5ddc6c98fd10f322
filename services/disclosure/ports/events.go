package ports

import (
	"github.com/aidflow/aidflow/contracts/events"
	"github.com/aidflow/aidflow/services/disclosure/app"
	"github.com/aidflow/aidflow/shared/bus"
)

// ConsumerSpecs are the durable consumers the read model needs: per
// stream, only the types it uses, one at a time so each stream's order
// holds.
func ConsumerSpecs() []bus.ConsumerSpec {
	byStream := map[string][]string{}
	var streams []string
	for _, t := range app.Types {
		s := events.Service(t)
		if _, ok := byStream[s]; !ok {
			streams = append(streams, s)
		}
		byStream[s] = append(byStream[s], t)
	}
	out := make([]bus.ConsumerSpec, 0, len(streams))
	for _, s := range streams {
		out = append(out, bus.ConsumerSpec{Name: "disclosure-" + s, Stream: s, Types: byStream[s]})
	}
	return out
}

// Applier is the handler every consumer shares.
func Applier(a *app.App) bus.Handler { return a.ApplyEvent }
