package main

import (
	"reflect"
	"testing"
)

// TestCreditPacks: the packs of VELRO_CREDIT_PACKS are listed to anyone.
func TestCreditPacks(t *testing.T) {
	c := startServer(t, env{"VELRO_CREDIT_PACKS": "solo:5:100:eur, team:50:900:eur"}).client(t)
	got := c.do("GET", "/api/v1/credits/packs", nil).want(t, 200).JSON(t)["packs"]
	want := []any{
		map[string]any{"id": "solo", "credits": 5.0, "amount": 100.0, "currency": "eur"},
		map[string]any{"id": "team", "credits": 50.0, "amount": 900.0, "currency": "eur"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("packs %v, want %v", got, want)
	}
}
