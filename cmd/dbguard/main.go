// Command dbguard stands between a team and its production database: it
// proves exactly one DATABASE_URL is in effect before anything touches it.
package main

import "os"

func main() { os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr)) }
