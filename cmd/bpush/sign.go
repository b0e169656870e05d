package main

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) signCommand() *cobra.Command {
	var explain bool
	cmd := &cobra.Command{
		Use:   "sign PATH [KEY=VALUE…]",
		Short: "Compute the signature of a call; --explain shows how, with the secret key masked",
		Long: `Compute the signature the SDK would send for a call to PATH (e.g. push/all)
with the given parameters, now, with the configured keys: the common
parameters (apikey, timestamp, device_type) are added as for a real call.
--explain lays out the canonical string and its encoded form, with the
secret key masked, to compare with what the service expects when it answers
30603 (Authentication Failed).`,
		Example: `  bpush sign push/all msg=hello --explain
  bpush sign app/query_tags --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			params := url.Values{}
			for _, kv := range args[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("parameter %q: want KEY=VALUE", kv)
				}
				params.Add(k, v)
			}
			c, err := a.channel()
			if err != nil {
				return err
			}
			e := c.ExplainSignature(args[0], params)
			if a.jsonOut {
				return a.emit(e, nil)
			}
			if explain {
				_, err := io.WriteString(a.stdout, e.Error()+usualMistakes)
				return err
			}
			_, err = fmt.Fprintln(a.stdout, e.Sign)
			return err
		},
	}
	cmd.Flags().BoolVar(&explain, "explain", false, "show the canonical string and its encoding, secret masked")
	return cmd
}

// usualMistakes is what to compare when a client's signatures get 30603:
// the mistakes the emulator recognises.
const usualMistakes = `
If the service answers 30603 (Authentication Failed), the usual mistakes are:
  - "~" left unencoded (Go's url.QueryEscape, Python 3's quote_plus); it is %7E
  - spaces encoded as %20 instead of +, or lower-case hex in the %XX escapes
  - values URL-encoded before signing; the signed string holds them raw
  - a parameter sent but not signed (e.g. secretKey), or no secret at the end
  - a timestamp in milliseconds, or signed as another value than sent
  - another scheme, host, port or path in the signed URL than the one requested
  - parameters in the order sent instead of sorted by key
  - another method signed than the one sent (GET for POST)
  - the secret key of another app; the signature in upper-case hex
bpush emulator names the one it finds in its 30603.
`
