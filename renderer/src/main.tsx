document.title="Tincan";
