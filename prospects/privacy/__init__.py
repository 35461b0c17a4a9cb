"""Personal data (GDPR/CNIL, issue 17): legal basis, opposition register, retention, rights, accountability."""
