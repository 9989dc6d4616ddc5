# SPDX-License-Identifier: LGPL-2.1-or-later
# Rows 4 and 5 of the benchmark suite; bench/run passes dir.
set terminal pngcairo size 960,400 font ",9"
set output dir.'/bench.png'
set multiplot layout 1,2

set title 'Row 4: children made per second, N threads at once'
set xlabel 'threads'
set ylabel 'children/s (median)'
set logscale x 2
set xtics (1, 2, 4, 8)
set xrange [0.8:10]
set yrange [0:*]
set key bottom right
set grid ytics
plot dir.'/scaling.dat' using 1:2 with linespoints lw 2 pt 7 title 'clone3 + wait', \
     ''                 using 1:3 with linespoints lw 2 pt 5 title 'timens\_clone3 +1d + wait'

unset logscale x
set xrange [*:*]
set xtics autofreq
set bmargin 5
set title 'Row 5: spawn of /bin/true by caller size'
set xlabel ''
set ylabel 'us per spawn + wait (median)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -15 noenhanced font ',8'
set key top left
set logscale y
set yrange [*:*]
plot dir.'/caller.dat' using 2:xtic(1) title '1 MiB caller', \
     ''                using 3 title '1 GiB caller'
unset multiplot
