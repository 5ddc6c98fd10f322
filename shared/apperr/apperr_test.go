package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aidflow/aidflow/shared/apperr"
)

var errNeedCancelled = apperr.New(apperr.Conflict, "the need is cancelled")

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"nil", nil, ""},
		{"plain", errors.New("boom"), apperr.Internal},
		{"direct", apperr.New(apperr.NotFound, "no need %s", "n1"), apperr.NotFound},
		{"wrapped sentinel", fmt.Errorf("cancel n1: %w", errNeedCancelled), apperr.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apperr.CodeOf(tt.err); got != tt.want {
				t.Errorf("CodeOf = %q, want %q", got, tt.want)
			}
		})
	}
	if !errors.Is(fmt.Errorf("x: %w", errNeedCancelled), errNeedCancelled) {
		t.Error("sentinel should match with errors.Is through wrapping")
	}
}

func TestValidation(t *testing.T) {
	var v apperr.Validation
	if v.Err() != nil {
		t.Fatal("empty validation must be nil")
	}
	v.Check(false, "quantity", "must be positive, got %d", -1)
	v.Check(true, "item", "unused")
	v.Add("urgency", "must be one of critical, high, normal")
	e := apperr.As(v.Err())
	if e.Code != apperr.Unprocessable || len(e.Fields) != 2 || e.Fields[0].Field != "quantity" {
		t.Fatalf("got %+v", e)
	}
}

func TestAsWrapsUnknownAsInternal(t *testing.T) {
	e := apperr.As(errors.New("db down"))
	if e.Code != apperr.Internal || e.Message != "internal error" {
		t.Fatalf("got %+v", e)
	}
}
