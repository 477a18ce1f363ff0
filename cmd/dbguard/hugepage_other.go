//go:build !linux

package main

// hugePageHeap advises transparent huge pages on Linux only.
func hugePageHeap() {}
