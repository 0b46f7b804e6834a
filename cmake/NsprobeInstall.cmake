# The relocatable tree: what `cmake --install` lays out under any prefix, and what the build
# tree mirrors (bin/, libexec/nsprobe/, share/nsprobe/), so that nsprobe finds everything
# relative to /proc/self/exe in both and nothing reads the source tree at run time.

# The suite manifest `nsprobe run` reads instead of globbing: each suite's name, label, type
# (conformance, or one of the tool's own tests), path relative to the manifest, and the host
# programs it runs. The build tree's lists the tool's tests too (so `nsprobe run` can tell a
# user who names one where it belongs); the installed one only the conformance suites.
get_property(conformance GLOBAL PROPERTY NSPROBE_CONFORMANCE_ENTRIES)
get_property(tool_tests GLOBAL PROPERTY NSPROBE_TOOL_TESTS)
set(tool_entries "")
foreach(entry ${tool_tests})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 label)
  list(APPEND tool_entries
       "    {\"name\": \"${name}\", \"label\": \"${label}\", \"type\": \"tool\", \"path\": \"../../tests/${name}\", \"needs\": []}")
endforeach()
function(nsprobe_manifest out)
  list(JOIN ARGN ",\n" body)
  file(GENERATE OUTPUT ${out} CONTENT
       "{\n  \"format\": 1,\n  \"nsprobe_version\": \"${PROJECT_VERSION}\",\n  \"suites\": [\n${body}\n  ]\n}\n")
endfunction()
set(NSPROBE_MANIFEST_DIR ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_LIBEXECDIR}/nsprobe)
nsprobe_manifest(${NSPROBE_MANIFEST_DIR}/suites.json ${conformance} ${tool_entries})
nsprobe_manifest(${CMAKE_BINARY_DIR}/install-manifest/suites.json ${conformance})

install(TARGETS nsprobe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_BINARY_DIR}/install-manifest/suites.json
        DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/nsprobe)

# Data under share/nsprobe/, copied into the build tree's share/ too (configure_file re-copies
# a file when it changes).
set(NSPROBE_SHARE_FILES
  workflows/github/nsprobe.yml
  workflows/kernelci/README.md
  schema/record.schema.json
  lava/qemu-x86_64-nokvm.yaml
  lava/nsprobe-initramfs-job.yaml
  lava/nsprobe-test-definition.yaml
)
foreach(file ${NSPROBE_SHARE_FILES})
  configure_file(${PROJECT_SOURCE_DIR}/ci/${file}
                 ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_DATADIR}/nsprobe/${file} COPYONLY)
  get_filename_component(dir ${file} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/ci/${file}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/nsprobe/${dir})
endforeach()

# The manual page, share/man/man1/nsprobe.1: help2man from `nsprobe --help-all` (so it cannot
# drift from the options) laid out one section per subcommand by ci/man/help-for-man.sh, plus
# ci/man/nsprobe.h2m (description, exit status, environment, files, examples). help2man runs
# its program through the shell, so it gets ./nsprobe in a directory of its own: no path with
# a space in it reaches the shell.
find_program(NSPROBE_HELP2MAN help2man)
if(NSPROBE_HELP2MAN)
  set(man_page ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_MANDIR}/man1/nsprobe.1)
  file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/man/nsprobe
       CONTENT "#!/bin/sh\nexec sh \"${PROJECT_SOURCE_DIR}/ci/man/help-for-man.sh\" \"$<TARGET_FILE:nsprobe>\"\n"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
  add_custom_command(
    OUTPUT ${man_page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_MANDIR}/man1
    COMMAND ${NSPROBE_HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
            "--name=prove that Linux namespaces isolate what they promise"
            --section=1 --include=${PROJECT_SOURCE_DIR}/ci/man/nsprobe.h2m
            --output=${man_page} ./nsprobe
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/man
    DEPENDS nsprobe ${PROJECT_SOURCE_DIR}/ci/man/help-for-man.sh
            ${PROJECT_SOURCE_DIR}/ci/man/nsprobe.h2m
    COMMENT "Generating the manual page nsprobe.1"
    VERBATIM)
  add_custom_target(nsprobe_man ALL DEPENDS ${man_page})
  install(FILES ${man_page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no manual page (scripts/lib.sh installs it)")
endif()
