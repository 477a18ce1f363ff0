package dburl

import (
	"errors"
	"strings"
	"testing"
)

// A secret whose base64 ends in "=" or "==" (an API token, a signing key)
// read as a keyword/value connection string: "KEY==" is keyword KEY with
// value "=". A schema.prisma or dbguard.yaml naming its variable then had
// dbguard show the secret whole, as the URL in effect. libpq takes no
// string without one of its keywords; neither does Parse, and its error
// does not quote the value.
func TestAttackSecretTakenForKeywordString(t *testing.T) {
	for _, s := range []string{
		"dGhpc2lzYXMzY3Jlds3cret4242ZmFrZUtleQ==",
		"s3cretToken=",
		"token=s3cret region=eu",
		"search_path=s3cret",
	} {
		u, err := Parse(s)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want an error", s, u.Redacted())
			continue
		}
		if !errors.Is(err, ErrNotPostgres) && !strings.Contains(err.Error(), "neither a postgres:// URL nor a keyword=value string") {
			t.Errorf("Parse(%q) = %v", s, err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Parse(%q) quotes the value: %v", s, err)
		}
	}
	for _, s := range []string{"dbname=app", "host=db.internal search_path=app", "service=prod", "sslmode=require application_name=x"} {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q) = %v, want it taken", s, err)
		}
	}
}
