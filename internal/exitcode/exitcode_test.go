package exitcode_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/dbguard/dbguard/internal/config"
	"github.com/dbguard/dbguard/internal/dburl"
	"github.com/dbguard/dbguard/internal/envcheck"
	"github.com/dbguard/dbguard/internal/envload"
	"github.com/dbguard/dbguard/internal/exitcode"
	"github.com/dbguard/dbguard/internal/gate"
	"github.com/dbguard/dbguard/internal/guard"
	"github.com/dbguard/dbguard/internal/hooks"
	"github.com/dbguard/dbguard/internal/migrate"
	"github.com/dbguard/dbguard/internal/output"
	"github.com/dbguard/dbguard/internal/pg"
	"github.com/dbguard/dbguard/internal/pullrequest"
	"github.com/dbguard/dbguard/internal/schema"
	"github.com/dbguard/dbguard/internal/tool"
	"github.com/dbguard/dbguard/internal/verify"
)

// Every typed error dbguard returns, with the exit code it means wherever
// it surfaces: a command, the CI gate, doctor. A new error type belongs
// here.
func TestEveryErrorsCode(t *testing.T) {
	tests := []struct {
		err  error
		code int
	}{
		{nil, exitcode.OK},
		{&envcheck.ConflictError{}, exitcode.CheckFailed},
		{&envcheck.StrictError{}, exitcode.CheckFailed},
		{&migrate.DirtyError{}, exitcode.CheckFailed},
		{&migrate.MissingVersionError{}, exitcode.CheckFailed},
		{&migrate.LockTimeoutError{}, exitcode.CheckFailed},
		{&migrate.HolderUnreadError{Err: errors.New("x")}, exitcode.Unreachable},
		{&tool.PrismaAdapterSchemaError{}, exitcode.Usage},
		{&migrate.MigrationError{}, exitcode.CheckFailed},
		{&migrate.PendingError{}, exitcode.CheckFailed},
		{&tool.EditedError{}, exitcode.CheckFailed},
		{&verify.DiffError{}, exitcode.CheckFailed},
		{&schema.DiffError{}, exitcode.CheckFailed},
		{&hooks.BlockedError{}, exitcode.CheckFailed},
		{&verify.TimeoutError{}, exitcode.CheckFailed},
		{&guard.ElsewhereError{}, exitcode.CheckFailed},
		{&pg.UnreachableError{}, exitcode.Unreachable},
		{&gate.GateError{Status: gate.Fail}, exitcode.CheckFailed},
		{&gate.GateError{Status: gate.Unreachable}, exitcode.Unreachable},
		{&gate.GateError{Status: gate.Error}, exitcode.Usage},
		{context.Canceled, exitcode.Interrupted},
		{&migrate.InterruptedError{Err: context.Canceled}, exitcode.Interrupted},
		// Configuration, usage and malformed input.
		{&config.Error{}, exitcode.Usage},
		{&config.LinkError{}, exitcode.Usage},
		{&output.WriteFileError{}, exitcode.Usage},
		{&envcheck.ParseError{}, exitcode.Usage},
		{&envload.ParseError{}, exitcode.Usage},
		{&envcheck.ValueError{}, exitcode.Usage},
		{&envcheck.NoURLError{}, exitcode.Usage},
		{&envcheck.MissingFileError{}, exitcode.Usage},
		{&envcheck.TooLargeError{}, exitcode.Usage},
		{&dburl.ParseError{}, exitcode.Usage},
		{&dburl.ServiceError{}, exitcode.Usage},
		{&guard.PoolerError{}, exitcode.Usage},
		{&migrate.SourceError{}, exitcode.Usage},
		{&pg.RejectedError{}, exitcode.Usage},
		{&pg.PasswordWithheldError{}, exitcode.Usage},
		{&pg.SecretInStartupError{}, exitcode.Usage},
		{&migrate.NoSuchVersionError{}, exitcode.Usage},
		{&schema.ExpectError{}, exitcode.Usage},
		{&schema.SnapshotError{}, exitcode.Usage},
		{&verify.ShadowError{}, exitcode.Usage},
		{&verify.SizeError{}, exitcode.Usage},
		{&hooks.WorkTreeError{}, exitcode.Usage},
		{&pullrequest.BaseError{Base: &pullrequest.Base{}}, exitcode.Usage},
		{&pullrequest.RepoError{}, exitcode.Usage},
		{&pullrequest.FilterError{}, exitcode.Usage},
		{&pullrequest.LinksError{}, exitcode.Usage},
		{&pullrequest.MovesError{}, exitcode.Usage},
		{errors.New("anything unexpected"), exitcode.Usage},
	}
	for _, tt := range tests {
		if got := exitcode.Of(tt.err); got != tt.code {
			t.Errorf("%T: exit %d, want %d", tt.err, got, tt.code)
		}
		// Wrapped, the same.
		if tt.err != nil {
			if got := exitcode.Of(fmt.Errorf("while doing something: %w", tt.err)); got != tt.code {
				t.Errorf("wrapped %T: exit %d, want %d", tt.err, got, tt.code)
			}
		}
	}
}
