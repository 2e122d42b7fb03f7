package velro

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CreditPack is something a user can buy: Credits for Amount, in the
// currency's minor unit (cents for usd).
type CreditPack struct {
	ID       string `json:"id"`
	Credits  int64  `json:"credits"`
	Amount   int64  `json:"amount" doc:"Price in the currency's minor unit (cents for usd)"`
	Currency string `json:"currency" doc:"ISO 4217 code, lower case"`
}

// DefaultCreditPacks is what VELRO_CREDIT_PACKS lists when unset.
const DefaultCreditPacks = "starter:1000:500:usd,creator:6000:2500:usd"

// packLimit bounds credits and amounts: far beyond any real price, and far
// from overflowing the sums of a ledger.
const packLimit = 1_000_000_000

var (
	packIDPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	currencyPattern = regexp.MustCompile(`^[a-z]{3}$`)
)

// ParseCreditPacks reads packs written id:credits:amount:currency, comma
// separated. Ids are unique; credits and amounts are positive whole
// numbers; currencies are three lower-case letters.
func ParseCreditPacks(v string) ([]CreditPack, error) {
	var packs []CreditPack
	seen := map[string]bool{}
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		p, err := parsePack(item)
		if err != nil {
			return nil, fmt.Errorf("pack %q %w", item, err)
		}
		if seen[p.ID] {
			return nil, fmt.Errorf("pack id %q is listed twice", p.ID)
		}
		seen[p.ID] = true
		packs = append(packs, p)
	}
	if len(packs) == 0 {
		return nil, fmt.Errorf("lists no pack")
	}
	return packs, nil
}

func parsePack(item string) (CreditPack, error) {
	parts := strings.Split(item, ":")
	if len(parts) != 4 {
		return CreditPack{}, fmt.Errorf("is not id:credits:amount:currency")
	}
	p := CreditPack{ID: parts[0], Currency: parts[3]}
	if !packIDPattern.MatchString(p.ID) {
		return p, fmt.Errorf("has an id that is not 1-32 lower-case letters, digits, - or _")
	}
	var err error
	if p.Credits, err = packNumber(parts[1]); err != nil {
		return p, fmt.Errorf("has credits that are %w", err)
	}
	if p.Amount, err = packNumber(parts[2]); err != nil {
		return p, fmt.Errorf("has an amount that is %w", err)
	}
	if !currencyPattern.MatchString(p.Currency) {
		return p, fmt.Errorf("has a currency that is not three lower-case letters like usd")
	}
	return p, nil
}

func packNumber(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > packLimit || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a whole number from 1 to %d", packLimit)
	}
	return n, nil
}

// CreditPacks is the list users can buy from.
type CreditPacks []CreditPack

// Find returns the pack with the id.
func (ps CreditPacks) Find(id string) (CreditPack, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	return CreditPack{}, false
}
