package bus

import (
	"context"
	"fmt"

	"github.com/aidflow/aidflow/contracts/events"
)

// Decode reads an event's data into v. Data that does not decode never
// will, so the error is permanent: the consumer terminates the event
// instead of retrying it for ever.
func Decode(e events.Envelope, v any) error {
	if err := e.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrPermanent, err)
	}
	return nil
}

// Typed makes a Handler from one that takes the event's decoded data.
func Typed[T any](h func(ctx context.Context, e events.Envelope, data T) error) Handler {
	return func(ctx context.Context, e events.Envelope) error {
		var d T
		if err := Decode(e, &d); err != nil {
			return err
		}
		return h(ctx, e, d)
	}
}
