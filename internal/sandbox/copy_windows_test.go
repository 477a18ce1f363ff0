package sandbox

func isFileOf(int, string) bool { return true }
