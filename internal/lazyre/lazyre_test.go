package lazyre

import "testing"

func TestCompiledOnFirstUse(t *testing.T) {
	bad := New(`(`) // not compiled yet: no panic here
	defer func() {
		if recover() == nil {
			t.Fatal("a bad expression did not panic on first use")
		}
	}()
	if re := New(`^a+$`); !re.MatchString("aaa") || re.MatchString("b") || re.String() != `^a+$` {
		t.Fatal("a good expression does not match as compiled")
	}
	bad.MatchString("x")
}
