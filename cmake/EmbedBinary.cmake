# cmake -DINPUT=file -DOUTPUT=file.inc -DNAME=symbol -P EmbedBinary.cmake
# Writes the bytes of INPUT as a C array, so that dlc carries its runtime
# bitcode without files to install beside it.
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}" "static const unsigned char ${NAME}[] = {${bytes}};\n")
