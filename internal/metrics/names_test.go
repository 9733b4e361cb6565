package metrics

import (
	"fmt"
	"strings"
	"testing"
)

func TestNameOf(t *testing.T) {
	for name, want := range map[string]string{
		"":                         Anonymous,
		"Regions":                  "Regions",
		"_private2":                "_private2",
		strings.Repeat("a", 64):    strings.Repeat("a", 64),
		strings.Repeat("a", 65):    Invalid,
		"2fast":                    Invalid,
		"has space":                Invalid,
		"13912345678":              Invalid,
		"名前":                       Invalid,
		"query { people { phone }": Invalid,
	} {
		if got := NameOf(name); got != want {
			t.Errorf("NameOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// The first maxOperationNames names count as themselves, for good; every
// later one as Other, for good.
func TestOperationNamesBound(t *testing.T) {
	var n operationNames
	for i := range maxOperationNames + 100 {
		name := fmt.Sprintf("Op%d", i)
		want := name
		if i >= maxOperationNames {
			want = Other
		}
		if got := n.label(name); got != want {
			t.Fatalf("label(%q) = %q, want %q", name, got, want)
		}
	}
	if got := n.label("Op0"); got != "Op0" {
		t.Errorf("an admitted name became %q", got)
	}
	if got := n.label(fmt.Sprintf("Op%d", maxOperationNames)); got != Other {
		t.Errorf("a refused name became %q", got)
	}
	if got := n.label(Anonymous); got != Anonymous {
		t.Errorf("anonymous became %q", got)
	}
}
