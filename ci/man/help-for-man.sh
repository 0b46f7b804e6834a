#!/bin/sh
# `nsprobe --help-all` laid out for help2man, which knows one level of options only: each
# subcommand becomes a section of its own ("*nsprobe exec*", help2man's custom-section line),
# its options and arguments move to the indentation help2man reads as tagged paragraphs, and
# each tag gets the two spaces help2man needs to tell it from its description (CLI11 leaves
# one when the tag fills its column, and puts a longer tag's description on the next line).
#   help-for-man.sh NSPROBE   (help2man adds --help-all)
# The usage line names the command, not the path it was built at.
"$1" --help-all | awk '
  # An option line waits for the next: a description alone on it means the tag was too long.
  function flush(   name) {
    if (pending == "") return
    if (length(pending) <= 32) {
      print "  " substr(pending, 5)
    } else {
      name = substr(pending, 5, 28)
      sub(/ +$/, "", name)
      print "  " name "  " substr(pending, 33)
    }
    pending = ""
  }
  /^                                [^ ]/ && pending != "" {
    print "  " substr(pending, 5) "  " substr($0, 33); pending = ""; next
  }
  { flush() }
  /^Subcommands:$/ { top = 0; next }
  NR == 1 { top = 1 }
  /^Usage: / { sub(/^Usage: .* \[OPTIONS\]/, "Usage: nsprobe [OPTIONS]"); top = 1 }
  top { print; next }
  /^[a-z]+$/ { print ""; print "*nsprobe " $1 "*"; next }
  /^  (Options|Positionals|Subcommands):$/ { next }
  /^    [^ ]/ { pending = $0; next }
  /^  [^ ]/ { print substr($0, 3); next }
  { print }
  END { flush() }
'
