//! The article-sync command-line tool's library: its commands, usable from tests.
