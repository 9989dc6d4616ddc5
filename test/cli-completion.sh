#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The bash completion offers the subcommands, each one's options, pids for
# show and enter, and commands after run's options.
. "$(dirname "$0")/cli/tap.sh"
command -v bash >/dev/null || skip_all "bash is needed"

# complete WORDS...: the completions for the last word, sorted, one line.
complete_words() {
	bash -c '
		. "$1/completion/timens.bash"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_timens
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' bash "$top" "$@"
}

plan 10
is "$(complete_words timens "")" "--help --version enter list probe run save show " "subcommands"
is "$(complete_words timens r)" "run " "a subcommand by its prefix"
is "$(complete_words timens run --b)" "--boottime " "run's options"
is "$(complete_words timens run -b 1d --map)" "--map-root-user " "run's options after one with a value"
is "$(complete_words timens show --j)" "--json " "show's options"
is "$(complete_words timens list -)" "--help --json -J " "list's options, -J too"
complete_words timens show "$$" | grep -qw "$$"
ok $? "show completes pids"
complete_words timens run -b 1d -- ca | grep -qw cat
ok $? "run completes COMMAND after --"
complete_words timens run -U ca | grep -qw cat
ok $? "run completes COMMAND after its options"
complete_words timens enter 1 -- ca | grep -qw cat
ok $? "enter completes COMMAND after PID --"
done_testing
