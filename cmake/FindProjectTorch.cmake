# Locates LibTorch. Order: a user's Torch_DIR or CMAKE_PREFIX_PATH (for example the official
# LibTorch zip), then the project's own virtual environment made by scripts/setup.sh.
find_package(Torch 2.0 QUIET)
if(NOT Torch_FOUND)
  file(GLOB _venv_torch_dirs
       ${PROJECT_SOURCE_DIR}/.venv/lib/python3*/site-packages/torch/share/cmake/Torch)
  list(LENGTH _venv_torch_dirs _n_venv_torch)
  if(_n_venv_torch GREATER 0)
    list(GET _venv_torch_dirs 0 _venv_torch_dir)
    find_package(Torch 2.0 QUIET NO_DEFAULT_PATH PATHS ${_venv_torch_dir})
  endif()
endif()

# The CUDA build of LibTorch needs the CUDA toolkit (nvcc, its headers and libraries) to
# configure, even on a machine without a GPU; the binary then runs on the CPU there.
find_package(Torch 2.0 REQUIRED)
message(STATUS "LibTorch: ${Torch_DIR}")

# Link settings every executable of the project needs:
# - libstdc++ comes first in the search order: libtorch_cpu exports a copy of std::filesystem
#   built by another GCC, and found first it would serve this project's calls with code that
#   disagrees with our headers (std::filesystem::remove_all crashes).
# - libtorch_cuda registers the CUDA backend from static initialisers; nothing references it by
#   symbol, so the linker would drop it under --as-needed and CUDA would look absent at run time.
function(pix2pix_configure_executable target)
  get_filename_component(_torch_lib_dir "${TORCH_INSTALL_PREFIX}/lib" ABSOLUTE)
  set(_options "LINKER:--no-as-needed" "-lstdc++")
  if(EXISTS "${_torch_lib_dir}/libtorch_cuda.so")
    list(APPEND _options "${_torch_lib_dir}/libtorch_cuda.so")
  endif()
  list(APPEND _options "LINKER:--as-needed")
  target_link_options(${target} PRIVATE ${_options})
  set_target_properties(${target} PROPERTIES BUILD_RPATH "${_torch_lib_dir}"
                                             INSTALL_RPATH "${_torch_lib_dir}")
endfunction()
