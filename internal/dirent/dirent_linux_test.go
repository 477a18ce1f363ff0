package dirent

import (
	"encoding/binary"
	"slices"
	"syscall"
	"testing"
)

// record builds one struct linux_dirent64, padded to 8 bytes as the kernel
// pads it.
func record(ino uint64, typ byte, name string) []byte {
	n := (19 + len(name) + 1 + 7) &^ 7
	b := make([]byte, n)
	binary.NativeEndian.PutUint64(b[0:8], ino)
	binary.NativeEndian.PutUint16(b[16:18], uint16(n))
	b[18] = typ
	copy(b[19:], name)
	return b
}

func TestRecords(t *testing.T) {
	buf := slices.Concat(
		record(1, syscall.DT_DIR, "."),
		record(2, syscall.DT_DIR, ".."),
		record(3, syscall.DT_REG, ".env"),
		record(0, syscall.DT_REG, "removed"),
		record(4, syscall.DT_DIR, "a-folder-with-a-long-name"),
	)
	var got []string
	for r := range Records(buf) {
		got = append(got, string(r.Name)+":"+string('0'+rune(r.Ino)))
	}
	if want := []string{".env:3", "removed:0", "a-folder-with-a-long-name:4"}; !slices.Equal(got, want) {
		t.Errorf("Records = %v, want %v", got, want)
	}
	// A record whose length runs past the buffer ends the reading.
	cut := slices.Concat(record(3, syscall.DT_REG, ".env"), record(4, syscall.DT_REG, "x")[:20])
	got = nil
	for r := range Records(cut) {
		got = append(got, string(r.Name))
	}
	if want := []string{".env"}; !slices.Equal(got, want) {
		t.Errorf("Records of a cut buffer = %v, want %v", got, want)
	}
	// Breaking out of the loop stops the reading.
	n := 0
	for range Records(buf) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("a break read %d records", n)
	}
}
