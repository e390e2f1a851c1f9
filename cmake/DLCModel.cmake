# dlc_add_model(<target> SOURCE <model.dl|model.mlir>
#               [NAME <prefix>] [TARGET host|x86-64-avx2|x86-64-avx512|arm64-linux]
#               [FLAGS <extra dlc flags>...])
#
# Compiles a model ahead of time with `dlc compile` (in the spirit of
# Halide's add_halide_library) and gives a static library target <target>
# holding the object; linking it puts <prefix>.h on the include path and
# adds the threads, dl and m libraries the object needs. <prefix> (the C
# symbol prefix and the header's name) defaults to <target>.
function(dlc_add_model target)
  cmake_parse_arguments(ARG "" "SOURCE;NAME;TARGET" "FLAGS" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "dlc_add_model(${target}): SOURCE is required")
  endif()
  set(name "${target}")
  if(ARG_NAME)
    set(name "${ARG_NAME}")
  endif()
  set(dlc_target host)
  if(ARG_TARGET)
    set(dlc_target "${ARG_TARGET}")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${target}.dlc")
  add_custom_command(
    OUTPUT "${dir}/${name}.o" "${dir}/${name}.h"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND dlc::dlc compile "${source}" -o "${dir}/${name}.o"
            --name=${name} --target=${dlc_target} ${ARG_FLAGS}
    DEPENDS "${source}" dlc::dlc
    COMMENT "dlc compile ${ARG_SOURCE}"
    VERBATIM)
  set_source_files_properties("${dir}/${name}.o" PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC "${dir}/${name}.o" "${dir}/${name}.h")
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} INTERFACE "${dir}")
  find_package(Threads REQUIRED)
  target_link_libraries(${target} INTERFACE Threads::Threads ${CMAKE_DL_LIBS} m)
endfunction()
