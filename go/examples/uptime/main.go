// SPDX-License-Identifier: LGPL-2.1-or-later

// Command uptime prints /proc/uptime as a child with 100 days more
// uptime sees it (the README's Go example).
package main

import (
	"fmt"
	"log"
	"os/exec"
	"time"

	"timens"
)

func main() {
	cmd := exec.Command("cat", "/proc/uptime")
	out, err := timens.Output(cmd, timens.Offsets{Boottime: 100 * 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("uptime in the namespace: %s", out)
}
