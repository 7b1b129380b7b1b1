package testutil

import (
	"reflect"
	"testing"
)

// Equal reports, without stopping the test, a got that differs from want
// (reflect.DeepEqual), naming what was compared: a test that checks many
// parsed fields says which one is wrong rather than dumping the struct.
func Equal(t testing.TB, name string, got, want any) bool {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return true
	}
	t.Errorf("%s = %#v, want %#v", name, got, want)
	return false
}
