package velro

import (
	"reflect"
	"testing"
)

func TestParseCreditPacks(t *testing.T) {
	cases := []struct {
		in   string
		want []CreditPack
		err  string
	}{
		{DefaultCreditPacks, []CreditPack{{"starter", 1000, 500, "usd"}, {"creator", 6000, 2500, "usd"}}, ""},
		{" solo:5:100:eur , ", []CreditPack{{"solo", 5, 100, "eur"}}, ""},
		{"", nil, "lists no pack"},
		{" , ", nil, "lists no pack"},
		{"a:1:1", nil, `pack "a:1:1" is not id:credits:amount:currency`},
		{"a:1:1:usd:x", nil, `pack "a:1:1:usd:x" is not id:credits:amount:currency`},
		{"A:1:1:usd", nil, `pack "A:1:1:usd" has an id that is not 1-32 lower-case letters, digits, - or _`},
		{":1:1:usd", nil, `pack ":1:1:usd" has an id that is not 1-32 lower-case letters, digits, - or _`},
		{"a:0:1:usd", nil, `pack "a:0:1:usd" has credits that are not a whole number from 1 to 1000000000`},
		{"a:+5:1:usd", nil, `pack "a:+5:1:usd" has credits that are not a whole number from 1 to 1000000000`},
		{"a:1:-1:usd", nil, `pack "a:1:-1:usd" has an amount that is not a whole number from 1 to 1000000000`},
		{"a:1:1000000001:usd", nil, `pack "a:1:1000000001:usd" has an amount that is not a whole number from 1 to 1000000000`},
		{"a:1:1:USD", nil, `pack "a:1:1:USD" has a currency that is not three lower-case letters like usd`},
		{"a:1:1:usd,a:2:2:usd", nil, `pack id "a" is listed twice`},
	}
	for _, c := range cases {
		got, err := ParseCreditPacks(c.in)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if msg != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseCreditPacks(%q) = %v, %q; want %v, %q", c.in, got, msg, c.want, c.err)
		}
	}
}

func TestCreditPacksFind(t *testing.T) {
	packs := CreditPacks{{"starter", 1000, 500, "usd"}}
	if p, ok := packs.Find("starter"); !ok || p.Credits != 1000 {
		t.Errorf("Find(starter) = %v, %v", p, ok)
	}
	if _, ok := packs.Find("gold"); ok {
		t.Error("Find(gold) found a pack")
	}
}
