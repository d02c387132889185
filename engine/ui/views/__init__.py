"""One script per page, run by ``st.navigation`` (a file page runs as ``__main__``)."""
