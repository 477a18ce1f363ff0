package tool

import (
	"fmt"
	"testing"
)

// BenchmarkAlembicFiles lists 300 revisions as Alembic's template writes
// them (a docstring, then the assignments): what migrate status and ci read
// for Alembic before connecting.
func BenchmarkAlembicFiles(b *testing.B) {
	files := map[string]string{"alembic.ini": "[alembic]\nscript_location = alembic\n"}
	for i := 1; i <= 300; i++ {
		files[fmt.Sprintf("alembic/versions/%04d_step.py", i)] = fmt.Sprintf(`"""step %d

Revision ID: %04d
Revises: %04d
Create Date: 2024-01-01 00:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "%04d"
down_revision: Union[str, None] = "%04d"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("users", sa.Column("c%d", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "c%d")
`, i, i, i-1, i, i-1, i, i)
	}
	root := tree(b, files)
	p, err := Resolve(cfgAt(root, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if fs, err := p.files(); err != nil || len(fs) != 300 {
			b.Fatalf("%d files, %v", len(fs), err)
		}
	}
}
