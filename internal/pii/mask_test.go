package pii

import "testing"

func TestMasks(t *testing.T) {
	for in, want := range map[string]string{"陈孝军": "陈**", "陈": "陈*", "": "", "Ann": "A**"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"13812341234": "138****1234", "1234567": "1234567"[:3] + "4567", "12345": "*****", "": ""} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
