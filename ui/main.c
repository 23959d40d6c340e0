/*
 * main: the cachet binary. Options, configuration and headless commands
 * are src/cmd's; the interactive interface is handed in as ui_run.
 */
#include "ui.h"

int
main(int argc, char **argv)
{
	return cmd_main(argc, argv, ui_run);
}
