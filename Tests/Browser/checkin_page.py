#!/usr/bin/env python3
"""Drives a plan's check-in page in headless Chromium (Debian's chromium and chromium-driver), as a phone
would: opens the link, enters the PIN, taps I'm OK; opens it again, ticks "Share my location" (the position
given with --lat/--lon) and taps Help without a PIN; then, with --shot, saves what other pages show.
Prints one JSON line per step. Used by Tests/IntegrationTests/CheckInPageBrowserTests.swift."""
import argparse
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    # A phone-sized screen (an iPhone 12's CSS pixels).
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver is Debian's: Selenium downloads nothing.
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def message(driver):
    return WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.ID, "message"))).text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--pin", required=True)
    parser.add_argument("--screenshot")
    parser.add_argument("--lat", type=float, help="share this position with Help")
    parser.add_argument("--lon", type=float)
    parser.add_argument("--help-screenshot", help="the result view after Help")
    parser.add_argument("--shot", nargs=2, action="append", default=[], metavar=("URL", "FILE"),
                        help="afterwards, open URL and save what the phone shows to FILE (repeatable)")
    args = parser.parse_args()
    driver = browser()
    try:
        driver.get(args.url)
        when = WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.TAG_NAME, "time")))
        # The inline script rewrote the time in the phone's own format: the CSP hash let it run.
        print(json.dumps({"step": "open", "title": driver.title, "time": when.text,
                          "width": driver.execute_script("return window.innerWidth")}), flush=True)
        if args.screenshot:
            driver.save_screenshot(args.screenshot)
        driver.find_element(By.ID, "pin").send_keys(args.pin)
        driver.find_element(By.ID, "ok").click()
        print(json.dumps({"step": "check-in", "message": message(driver)}), flush=True)
        driver.get(args.url)
        if args.lat is not None:
            # The phone's position, as its GPS would give it, and the permission a user would grant.
            origin = "/".join(args.url.split("/")[:3])
            driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": origin, "permissions": ["geolocation"]})
            driver.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": args.lat, "longitude": args.lon, "accuracy": 25})
            share = driver.find_element(By.ID, "geo")
            if not share.is_displayed():
                raise SystemExit("the Share my location box is hidden: the page's script did not run")
            share.click()
        driver.find_element(By.ID, "help").click()
        print(json.dumps({"step": "help", "message": message(driver)}), flush=True)
        if args.help_screenshot:
            driver.save_screenshot(args.help_screenshot)
        for url, path in args.shot:
            driver.get(url)
            heading = WebDriverWait(driver, 20).until(EC.presence_of_element_located((By.TAG_NAME, "h1"))).text
            driver.save_screenshot(path)
            print(json.dumps({"step": "shot", "file": path, "heading": heading,
                              "state": driver.execute_script("return document.body.className")}), flush=True)
        severe = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        print(json.dumps({"step": "console", "severe": severe}), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
