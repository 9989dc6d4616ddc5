// SPDX-License-Identifier: LGPL-2.1-or-later

// Command uptime runs cat /proc/uptime with 100 days more uptime.
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
	fmt.Printf("in the namespace: %s", out)
}
