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

# The CUDA build of LibTorch looks for the CUDA toolkit; without one it still links for the CPU.
find_package(Torch 2.0 REQUIRED)
message(STATUS "LibTorch: ${Torch_DIR}")

# libtorch_cuda registers the CUDA backend from static initialisers; nothing references it by
# symbol, so the linker would drop it under --as-needed and CUDA would look absent at run time.
function(pix2pix_link_torch_cuda target)
  get_filename_component(_torch_lib_dir "${TORCH_INSTALL_PREFIX}/lib" ABSOLUTE)
  if(EXISTS "${_torch_lib_dir}/libtorch_cuda.so")
    target_link_options(${target} PRIVATE "LINKER:--no-as-needed"
                        "${_torch_lib_dir}/libtorch_cuda.so" "LINKER:--as-needed")
  endif()
  set_target_properties(${target} PROPERTIES BUILD_RPATH "${_torch_lib_dir}"
                                             INSTALL_RPATH "${_torch_lib_dir}")
endfunction()
