# Turns docs/runbooks/*.md into a C++ table: {id, text}. Called with -DOUT=file -DDIR=folder.
file(GLOB files ${DIR}/*.md)
list(SORT files)
set(body "// Generated from docs/runbooks/*.md by cmake/embed_runbooks.cmake. Do not edit.\n")
string(APPEND body "#include \"engine/runbooks.h\"\nnamespace nd {\nconst std::vector<Runbook>& runbooks() {\n  static const std::vector<Runbook> all = {\n")
foreach(f ${files})
  get_filename_component(id ${f} NAME_WE)
  file(READ ${f} text)
  # A raw string literal with a delimiter that runbooks never contain.
  string(APPEND body "    {\"${id}\", R\"nd_rb(${text})nd_rb\"},\n")
endforeach()
string(APPEND body "  };\n  return all;\n}\n}  // namespace nd\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})
