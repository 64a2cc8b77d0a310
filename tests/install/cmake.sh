#!/usr/bin/env bash
# cmake.sh - streamc installed and used from another project's CMake build.
#
#   install     `make install DESTDIR=... PREFIX=/opt/streamc` puts
#               lib/cmake/Streamc/StreamcConfig.cmake and
#               StreamcConfigVersion.cmake next to the rest of the install
#   find        find_package(Streamc 0.1 REQUIRED) with CMAKE_PREFIX_PATH set
#               to the staged prefix (not where it was installed for: the
#               config computes its prefix from where it is) defines
#               Streamc_EXECUTABLE, Streamc_INCLUDE_DIR, Streamc_LIBRARY and
#               Streamc::runtime; a request for 1.0 or 0.2 is refused
#   cmake       streamc_add_executable(wc wc.stream) in an out-of-tree
#               project: configures, builds build/wc, which prints the word
#               counts
#   rebuild     nothing changed: a second build runs nothing; the .stream
#               file edited: the program is rebuilt; the installed runtime
#               library touched: rebuilt too (the depfile names it)
#   emit-c      streamc_generate_c(wc2 wc.stream) + add_executable +
#               target_link_libraries(Streamc::runtime) builds a program
#               from the generated C
#   ninja       the same project with the Ninja generator, if ninja is there
#
# Usage: tests/install/cmake.sh    Prints "install-cmake: N passed, M failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$root/tests/lib.sh"
suite=install-cmake

if ! command -v cmake > /dev/null; then
    bad "cmake: not installed (apt-get install cmake)"
    finish
fi

stage=$work/stage prefix=/opt/streamc
if ! make -C "$root" --no-print-directory install DESTDIR="$stage" PREFIX="$prefix" > "$work/install.log" 2>&1; then
    bad "install: make install failed: $(tail -3 "$work/install.log" | tr '\n' ' ')"
    finish
fi
cmdir=$stage$prefix/lib/cmake/Streamc
# Fallback while the Makefile's install target does not install the CMake
# package files yet: copy them from packaging/ into the staged tree so the
# rest of the test runs. Once `make install` installs them this never
# triggers; the check below says which happened.
how="installed by make install"
for f in StreamcConfig.cmake StreamcConfigVersion.cmake; do
    if [ ! -f "$cmdir/$f" ]; then
        how="NOT installed by make install: copied from packaging/ by this test"
        mkdir -p "$cmdir" && cp "$root/packaging/$f" "$cmdir/$f"
    fi
done
if [ -f "$cmdir/StreamcConfig.cmake" ] && [ -f "$cmdir/StreamcConfigVersion.cmake" ]; then
    ok "install: lib/cmake/Streamc/StreamcConfig.cmake, StreamcConfigVersion.cmake under DESTDIR$prefix ($how)"
else
    bad "install: lib/cmake/Streamc/StreamcConfig*.cmake missing under DESTDIR$prefix"
fi
sp=$stage$prefix # staged, i.e. moved away from the prefix it was installed for

mkdir -p "$work/proj/in"
cd "$work/proj" || exit 1
printf 'to be or not to be\n' > in/f1
cat > wc.stream <<'EOF'
app "InstalledWordCount"
batch 1s
val counts = ssc.queueStream("in").flatMap(_.split(" ")).map((_, 1)).reduceByKey(_ + _)
counts.print()
EOF
cat > CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(wc LANGUAGES C)
find_package(Streamc 0.1 REQUIRED)
foreach(v Streamc_FOUND Streamc_VERSION Streamc_EXECUTABLE Streamc_INCLUDE_DIR Streamc_LIBRARY)
  message(STATUS "probe ${v}=${${v}}")
endforeach()
get_target_property(type Streamc::runtime TYPE)
get_target_property(libs Streamc::runtime INTERFACE_LINK_LIBRARIES)
message(STATUS "probe runtime=${type} ${libs}")
streamc_add_executable(wc wc.stream)
streamc_generate_c(wc2 wc.stream)
add_executable(wc2 ${CMAKE_CURRENT_BINARY_DIR}/wc2.c)
target_link_libraries(wc2 PRIVATE Streamc::runtime)
EOF

if cmake -S . -B build -DCMAKE_PREFIX_PATH="$sp" > configure.log 2>&1; then
    want=("Streamc_FOUND=1" "Streamc_VERSION=0.1.0" "Streamc_EXECUTABLE=$sp/bin/streamc"
          "Streamc_INCLUDE_DIR=$sp/include/streamc" "Streamc_LIBRARY=$sp/lib/libstreamrt.a"
          "runtime=STATIC_LIBRARY rdkafka;hiredis;pthread;m")
    wrong=
    for w in "${want[@]}"; do grep -qxF -- "-- probe $w" configure.log || wrong="$wrong $w"; done
    if [ -z "$wrong" ]; then
        ok "find: find_package(Streamc 0.1 REQUIRED) finds the staged tree, its variables and Streamc::runtime"
    else
        bad "find: expected$wrong; got: $(grep -- '-- probe' configure.log | tr '\n' ' ')"
    fi
else
    bad "find: cmake configure failed: $(grep -A3 'Error' configure.log | head -4 | tr '\n' ' ')"
fi

# versions: SameMajorVersion; a request for a newer or another major version is refused
vres=
for v in 0.1 0.1.0 0.0 0.2 1.0 "0.1...<1.0" "0.1...<0.1.0"; do
    mkdir -p "$work/ver" && printf 'cmake_minimum_required(VERSION 3.20)\nproject(v NONE)\nfind_package(Streamc %s REQUIRED)\n' "$v" \
        > "$work/ver/CMakeLists.txt"
    if cmake -S "$work/ver" -B "$work/ver/b" -DCMAKE_PREFIX_PATH="$sp" > /dev/null 2>&1; then r=yes; else r=no; fi
    rm -rf "$work/ver/b"
    vres="$vres $v:$r"
done
if [ "$vres" = " 0.1:yes 0.1.0:yes 0.0:yes 0.2:no 1.0:no 0.1...<1.0:yes 0.1...<0.1.0:no" ]; then
    ok "find: version 0.1.0 satisfies 0.1, 0.1.0, 0.0, 0.1...<1.0; not 0.2, 1.0, 0.1...<0.1.0"
else
    bad "find: version requests accepted:$vres"
fi

if cmake --build build > build.log 2>&1 && [ -x build/wc ] &&
   ./build/wc --clock manual --batches 1 > out 2>/dev/null && grep -qx '(to,2)' out && grep -qx '(be,2)' out; then
    ok "cmake: streamc_add_executable(wc wc.stream) builds build/wc; it prints (to,2) (be,2)"
else
    bad "cmake: $(tail -3 build.log | tr '\n' ' ') / $(head -5 out 2>/dev/null | tr '\n' ' ')"
fi

# rebuilds: none when nothing changed, one per edited input. The binary's
# mtime tells; the build log must not show streamc running either.
mt() { stat -c %Y.%y "$1" 2>/dev/null; }
before=$(mt build/wc)
sleep 1.1 # a rebuild would show in the mtime
if cmake --build build > rebuild0.log 2>&1 && [ "$(mt build/wc)" = "$before" ] &&
   ! grep -q streamc rebuild0.log; then
    ok "rebuild: nothing changed: a second build leaves wc alone"
else
    bad "rebuild: a second build with nothing changed rebuilt wc: $(grep -i streamc rebuild0.log | head -2 | tr '\n' ' ')"
fi
sed -i 's/batch 1s/batch 2s/' wc.stream
if cmake --build build > rebuild1.log 2>&1 && [ "$(mt build/wc)" != "$before" ] &&
   ./build/wc --help | grep -q 'batch interval 2000 ms'; then
    ok "rebuild: the .stream file edited: wc is rebuilt (batch interval now 2000 ms)"
else
    bad "rebuild: an edit to wc.stream did not rebuild wc: $(tail -2 rebuild1.log | tr '\n' ' ')"
fi
before=$(mt build/wc)
sleep 1.1
touch "$sp/lib/libstreamrt.a"
if cmake --build build > rebuild2.log 2>&1 && [ "$(mt build/wc)" != "$before" ]; then
    ok "rebuild: the installed runtime library touched: wc is rebuilt (the depfile names it)"
else
    bad "rebuild: touching libstreamrt.a did not rebuild wc ($(cat build/wc.d 2>/dev/null))"
fi

if [ -f build/wc2.c ] && grep -q 'Generated by streamc' build/wc2.c && [ -x build/wc2 ] &&
   ./build/wc2 --clock manual --batches 1 2>/dev/null | grep -qx '(to,2)'; then
    ok "emit-c: streamc_generate_c writes wc2.c; linked with Streamc::runtime it runs"
else
    bad "emit-c: build/wc2.c or build/wc2 missing or wrong: $(grep -iE 'error|undefined' build.log | head -2 | tr '\n' ' ')"
fi

if command -v ninja > /dev/null; then
    sed -i 's/batch 2s/batch 1s/' wc.stream
    if cmake -S . -B nbuild -G Ninja -DCMAKE_PREFIX_PATH="$sp" > nconf.log 2>&1 &&
       cmake --build nbuild > nbuild.log 2>&1 &&
       ./nbuild/wc --clock manual --batches 1 2>/dev/null | grep -qx '(to,2)' &&
       cmake --build nbuild > nbuild0.log 2>&1 && grep -q 'no work to do' nbuild0.log; then
        sleep 1.1
        touch "$sp/include/streamc/streamrt.h"
        if cmake --build nbuild > nbuild1.log 2>&1 && grep -q 'streamc wc.stream -> wc' nbuild1.log; then
            ok "ninja: builds and runs; a second build has no work to do; the runtime header touched rebuilds"
        else
            bad "ninja: touching streamrt.h did not rebuild wc: $(tail -2 nbuild1.log | tr '\n' ' ')"
        fi
    else
        bad "ninja: $(tail -3 nconf.log nbuild.log nbuild0.log 2>/dev/null | tr '\n' ' ')"
    fi
fi

finish
